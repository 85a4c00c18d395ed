function __swapinspect_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __swapinspect_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __swapinspect_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __swapinspect_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __swapinspect_parse_tokens -S
    set -l unparsed_tokens (__swapinspect_tokens -pc)
    switch $unparsed_tokens[1]
    case 'swapinspect'
        __swapinspect_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'inspect'
            __swapinspect_parse_subcommand -r 1 'J/json' 'format=' 'output-file=' 'extents' 'strict' 'color=' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'image'
            __swapinspect_parse_subcommand 1 'J/json' 'format=' 'output-file=' 'extents' 'strict' 'color=' 'path=+' 'partition=' 'offset=' 'scan' 'no-fsck' 'allow-backing-file' 'allow-kernel-mount' 'page-size=' 'version' 'h/help'
        case 'list'
            __swapinspect_parse_subcommand 0 'J/json' 'format=' 'output-file=' 'extents' 'strict' 'color=' 'noheadings' 'raw' 'output=' 'output-all' 'bytes' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'probe'
            __swapinspect_parse_subcommand -r 1 'J/json' 'strict' 'page-size=' 'noheadings' 'raw' 'output=' 'output-all' 'version' 'h/help'
        case 'activate'
            __swapinspect_parse_subcommand 1 'priority=' 'discard=' 'dry-run' 'if-needed' 'reconcile' 'strict' 'all' 'fstab=' 'J/json' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'deactivate'
            __swapinspect_parse_subcommand 1 'if-needed' 'J/json' 'version' 'h/help'
        case 'create'
            __swapinspect_parse_subcommand 1 'size=' 'page-size=' 'label=' 'uuid=' 'if-missing' 'force' 'fstab=' 'priority=' 'discard=' 'dry-run' 'J/json' 'version' 'h/help'
        case 'hibernate'
            __swapinspect_parse_subcommand 1 'J/json' 'format=' 'output-file=' 'strict' 'root=' 'page-size=' 'version' 'h/help'
        case 'help'
            __swapinspect_parse_subcommand -r 1 'version'
        end
    end
end

function __swapinspect_tokens_raw
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __swapinspect_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __swapinspect_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __swapinspect_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__swapinspect_tokens -p)
    if test -z "$(__swapinspect_tokens -t)"
        set -l index (count (__swapinspect_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'swapinspect' -f
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'inspect' -d 'Inspect swap files or swap block devices on this machine (the default command).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'image' -d 'Audit the swap files and swap partitions of an unmounted image or block device, offline.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'list' -d 'List every active swap area (/proc/swaps), each inspected.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'probe' -d 'Look at the signature and header of files, devices or images (libblkid and swapinspect side by side).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'activate' -d 'Preflight a swap area as \'inspect\' does, then activate it with swapon(2).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'deactivate' -d 'Deactivate a swap area with swapoff(2).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'create' -d 'Create a swap file that the kernel will activate, and optionally its fstab entry.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'hibernate' -d 'Check that this system is ready to hibernate into a swap area, and resume from it.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" format' -l 'format' -d 'text, json (as --json) or prometheus (the text exposition format, for node_exporter\'s textfile collector).' -rfka 'text json prometheus'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" output-file' -l 'output-file' -d 'With --format=prometheus: write FILE atomically (a temporary file in its directory, fsync, rename) instead of stdout.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'prom\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" color' -l 'color' -d 'Colour the verdicts: auto (a terminal, NO_COLOR unset, TERM not dumb), always or never.' -rfka 'auto always never'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect inspect" -ge 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" format' -l 'format' -d 'text, json (as --json) or prometheus (the text exposition format, for node_exporter\'s textfile collector).' -rfka 'text json prometheus'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" output-file' -l 'output-file' -d 'With --format=prometheus: write FILE atomically (a temporary file in its directory, fsync, rename) instead of stdout.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'prom\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" color' -l 'color' -d 'Colour the verdicts: auto (a terminal, NO_COLOR unset, TERM not dumb), always or never.' -rfka 'auto always never'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image"' -l 'path' -d 'A swap file inside the image (repeatable; default: the swap entries of the image\'s /etc/fstab, else /swapfile, /swap.img, /swap/swapfile).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" partition' -l 'partition' -d 'Only this partition of a whole-disk image (its number, as in sda2).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" offset' -l 'offset' -d 'Only the file system or swap area starting this many bytes into the image.' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" scan' -l 'scan' -d 'Also walk the inode table for every regular file whose first page carries a swap or hibernation signature.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" no-fsck' -l 'no-fsck' -d 'Do not run \'e2fsck -fn\' (read-only, at most 60 s) on the ext file systems that hold a swap file.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" allow-backing-file' -l 'allow-backing-file' -d 'Also read the files a qcow2, VMDK or VHD/VHDX image names (backing files, external data files, extents, parents); refused without it.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" allow-kernel-mount' -l 'allow-kernel-mount' -d 'Read btrfs through the kernel\'s own read-only mount instead of dump-tree (root: a read-only loop device, -o ro,rescue=nologreplay, in a private mount namespace that goes with swapinspect).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect image" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" format' -l 'format' -d 'text, json (as --json) or prometheus (the text exposition format, for node_exporter\'s textfile collector).' -rfka 'text json prometheus'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" output-file' -l 'output-file' -d 'With --format=prometheus: write FILE atomically (a temporary file in its directory, fsync, rename) instead of stdout.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'prom\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" color' -l 'color' -d 'Colour the verdicts: auto (a terminal, NO_COLOR unset, TERM not dumb), always or never.' -rfka 'auto always never'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" noheadings' -l 'noheadings' -d 'Print no header line.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" raw' -l 'raw' -d 'Raw table: one space between cells, blanks, backslashes and non-printable bytes as \\xNN (as util-linux).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" output' -l 'output' -d 'The columns to print, comma-separated; +COL,… appends to the default ones.' -rfka '(__swapinspect_custom_completion ---completion list -- --output (count (__swapinspect_tokens -pc)) (__swapinspect_tokens -tC))'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" output-all' -l 'output-all' -d 'Print every column.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" bytes' -l 'bytes' -d 'SIZE, USED and SPAN in bytes (default: as swapon prints them, 128M).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" noheadings' -l 'noheadings' -d 'Print no header line.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" raw' -l 'raw' -d 'Raw table: one space between cells, blanks, backslashes and non-printable bytes as \\xNN (as util-linux).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" output' -l 'output' -d 'The columns to print, comma-separated; +COL,… appends to the default ones.' -rfka '(__swapinspect_custom_completion ---completion probe -- --output (count (__swapinspect_tokens -pc)) (__swapinspect_tokens -tC))'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" output-all' -l 'output-all' -d 'Print every column.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect probe" -ge 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" priority' -l 'priority' -d 'Swap priority, for swapon(2) or the fstab entry\'s pri=, 0 to 32767; -1 (as swapon\'s) is the kernel\'s automatic one, the default.' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" discard' -l 'discard' -d 'Discard policy, for swapon(2) or the fstab entry: --discard (all), --discard=once (the whole area at swapon) or --discard=pages (freed pages).' -rfka 'all once pages'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" dry-run' -l 'dry-run' -d 'Preflight only: do not call swapon(2).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" if-needed' -l 'if-needed' -d 'An active area with the requested priority and discard policy is success, with no change; one that differs is drift (exit 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" reconcile' -l 'reconcile' -d 'With --if-needed: swap a drifted area off and on again with the requested settings, when memory can take its used pages.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" strict' -l 'strict' -d 'Warnings also refuse the activation (exit status 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" all' -l 'all' -d 'Activate every swap entry of the fstab with its options, as swapon -a (noauto skipped, nofail, pri=, discard).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" fstab' -l 'fstab' -d 'With --all: the fstab to read (default: /etc/fstab).' -rF
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect activate" -eq 1' -fka '(__swapinspect_custom_completion ---completion activate -- positional@0 (count (__swapinspect_tokens -pc)) (__swapinspect_tokens -tC))'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" if-needed' -l 'if-needed' -d 'An existing area that is not active is success, with no change.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect deactivate" -eq 1' -fka '(__swapinspect_custom_completion ---completion deactivate -- positional@0 (count (__swapinspect_tokens -pc)) (__swapinspect_tokens -tC))'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" size' -l 'size' -d 'The size: bytes, or with K/M/G/T (KiB…) or KB/MB/GB (1000s), e.g. 512M, 4G, 1500MB.' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" label' -l 'label' -d 'The label of the header (at most 15 bytes, as mkswap keeps).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" uuid' -l 'uuid' -d 'The UUID of the header (default: a new random one, or the old one with --force).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" if-missing' -l 'if-missing' -d 'An existing area of this size that would activate is success, with no change.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" force' -l 'force' -d 'Recreate an existing file (never an active area), keeping its UUID and label unless new ones are given.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" fstab' -l 'fstab' -d 'Add or update the area\'s entry in this fstab file (--fstab alone: /etc/fstab).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" priority' -l 'priority' -d 'Swap priority, for swapon(2) or the fstab entry\'s pri=, 0 to 32767; -1 (as swapon\'s) is the kernel\'s automatic one, the default.' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" discard' -l 'discard' -d 'Discard policy, for swapon(2) or the fstab entry: --discard (all), --discard=once (the whole area at swapon) or --discard=pages (freed pages).' -rfka 'all once pages'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" dry-run' -l 'dry-run' -d 'Decide and print what would be done; create nothing.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect create" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" J json' -s 'J' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" format' -l 'format' -d 'text, json (as --json) or prometheus (the text exposition format, for node_exporter\'s textfile collector).' -rfka 'text json prometheus'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" output-file' -l 'output-file' -d 'With --format=prometheus: write FILE atomically (a temporary file in its directory, fsync, rename) instead of stdout.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'prom\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" root' -l 'root' -d 'Read the system\'s /proc, /sys and /etc files under this directory (a captured or mounted system).' -rfa '(__swapinspect_complete_directories)'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka '4096 8192 16384 32768 65536'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect hibernate" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect hibernate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect help" version' -l 'version' -d 'Show the version.'
# swapinspect: inspect is the default subcommand. Unless the first argument names a subcommand
# (or is being typed and is no option), the tokens read as if `inspect` were written after the command.
function __swapinspect_tokens
    if test "$argv" = -tC
        # The cursor in the current token; without an editor (`complete -C` in `fish -c`) there is
        # none, and the cursor is at the end of the line.
        set -l cursor (__swapinspect_tokens_raw -tC 2>/dev/null)
        test -n "$cursor"; or set cursor (string length -- "$(__swapinspect_tokens_raw -t)")
        printf '%s
' $cursor
        return
    end
    set -l tokens (__swapinspect_tokens_raw $argv)
    if string match -qr -- '^-[a-zA-Z]*t' $argv
        printf '%s\n' $tokens
        return
    end
    set -l before (__swapinspect_tokens_raw -pc)
    set -l current (__swapinspect_tokens_raw -t)
    if begin; test (count $before) -gt 1; and not contains -- $before[2] inspect image list probe activate deactivate create hibernate help; end
        or begin; test (count $before) -eq 1; and string match -q -- '-*' "$current"; end
        set tokens $tokens[1] inspect $tokens[2..]
    end
    printf '%s\n' $tokens
end

complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -F
