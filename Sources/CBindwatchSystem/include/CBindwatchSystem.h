// Umbrella header of the system-call C boundary: sockets, signals, memory. No libmnl.
#include "bindwatch_system.h"
