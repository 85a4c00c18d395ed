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
            __swapinspect_parse_subcommand -r 1 'json' 'extents' 'strict' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'image'
            __swapinspect_parse_subcommand 1 'json' 'extents' 'strict' 'path=+' 'partition=' 'offset=' 'scan' 'allow-backing-file' 'page-size=' 'version' 'h/help'
        case 'list'
            __swapinspect_parse_subcommand 0 'json' 'extents' 'strict' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'probe'
            __swapinspect_parse_subcommand -r 1 'json' 'strict' 'page-size=' 'version' 'h/help'
        case 'activate'
            __swapinspect_parse_subcommand 1 'priority=' 'discard=' 'dry-run' 'if-needed' 'json' 'page-size=' 'model=' 'mapper=' 'sync' 'version' 'h/help'
        case 'deactivate'
            __swapinspect_parse_subcommand 1 'if-needed' 'json' 'version' 'h/help'
        case 'help'
            __swapinspect_parse_subcommand -r 1 'version'
        end
    end
end

function __swapinspect_tokens
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
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect inspect" -ge 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image"' -l 'path' -d 'A swap file inside the image (repeatable; default: the swap entries of the image\'s /etc/fstab, else /swapfile, /swap.img, /swap/swapfile).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" partition' -l 'partition' -d 'Only this partition of a whole-disk image (its number, as in sda2).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" offset' -l 'offset' -d 'Only the file system or swap area starting this many bytes into the image.' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" scan' -l 'scan' -d 'Also walk the inode table for every regular file whose first page carries a swap or hibernation signature.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" allow-backing-file' -l 'allow-backing-file' -d 'Also read the files a qcow2, VMDK or VHD/VHDX image names (backing files, external data files, extents, parents); refused without it.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect image" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect image" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" extents' -l 'extents' -d 'List every swap extent (default: the first and last few).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" strict' -l 'strict' -d 'Warnings also make the exit status 1.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect probe" -ge 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect probe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" priority' -l 'priority' -d 'Swap priority, 0 to 32767 (default: the kernel\'s automatic one).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" discard' -l 'discard' -d 'Discard policy: --discard (all), --discard=once (the whole area at swapon) or --discard=pages (freed pages).' -rfka 'all once pages'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" dry-run' -l 'dry-run' -d 'Preflight only: do not call swapon(2).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" if-needed' -l 'if-needed' -d 'An area that is already active is success, with no change.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" page-size' -l 'page-size' -d 'The kernel page size to simulate, in bytes (default: this machine\'s).' -rfka ''
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" model' -l 'model' -d 'The kernel activation path to simulate (auto: the one the file system uses).' -rfka 'auto generic iomap btrfs'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" mapper' -l 'mapper' -d 'How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).' -rfka 'auto fiemap fibmap'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" sync' -l 'sync' -d 'Flush the file\'s dirty data before mapping (FIEMAP_FLAG_SYNC).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect activate" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect activate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" if-needed' -l 'if-needed' -d 'An area that is not active is success, with no change.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" json' -l 'json' -d 'Print one JSON document on stdout (schema version 1).'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_positional "swapinspect deactivate" -eq 1' -F
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" version' -l 'version' -d 'Show the version.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect deactivate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'swapinspect' -n '__swapinspect_should_offer_completions_for_flags_or_options "swapinspect help" version' -l 'version' -d 'Show the version.'
