// Umbrella header of the system-call C boundary: sockets, signals, memory, child processes. No libmnl.
#include "bindwatch_system.h"
#include "bindwatch_process.h"
