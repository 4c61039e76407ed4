// Umbrella header of the C boundary.
#include "bindwatch_netlink.h"
#include "bindwatch_system.h"
