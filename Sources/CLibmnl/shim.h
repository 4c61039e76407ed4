#ifndef BINDWATCH_CLIBMNL_SHIM_H
#define BINDWATCH_CLIBMNL_SHIM_H
#include <libmnl/libmnl.h>
#endif
