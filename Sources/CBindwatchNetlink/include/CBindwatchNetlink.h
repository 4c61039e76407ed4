// Umbrella header of the netlink C boundary (libmnl).
#include "bindwatch_netlink.h"
