#ifndef SWAPINSPECT_CBLKID_SHIM_H
#define SWAPINSPECT_CBLKID_SHIM_H
#include <blkid/blkid.h>
#endif
