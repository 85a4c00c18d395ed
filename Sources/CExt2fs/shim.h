#ifndef SWAPINSPECT_CEXT2FS_SHIM_H
#define SWAPINSPECT_CEXT2FS_SHIM_H
#include <ext2fs/ext2fs.h>
#include <et/com_err.h>

/* unix_io_manager is a mutable C global; Swift 6 refuses to read those directly. */
static inline io_manager si_unix_io_manager(void) { return unix_io_manager; }

/* com_err's table for libext2fs codes: error_message() says "Unknown code ext2 N" without it.
   Idempotent (the generated function checks whether the table is already linked). */
static inline const char *si_ext2fs_error_message(errcode_t code) {
    initialize_ext2_error_table();
    return error_message(code);
}

/* strerrorname_np(3), glibc >= 2.32: the C name of an errno ("EINVAL"), NULL for an unknown number.
   <string.h> declares it only under _GNU_SOURCE, which Swift's Glibc module is not built with. */
const char *strerrorname_np(int errnum);
#endif
