#ifndef SWAPINSPECT_CEXT2FS_SHIM_H
#define SWAPINSPECT_CEXT2FS_SHIM_H
#include <ext2fs/ext2fs.h>
#endif
