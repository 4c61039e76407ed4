// The client library's public face includes the wire types and the address model.
@_exported import BindwatchModel
@_exported import BindwatchVarlink
@_exported import EventLoopConcurrency
