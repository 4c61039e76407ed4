// The model is written in the classifier's vocabulary: one `IPAddress` and one `AddressFamily`
// for the whole project, and `Address.type` is the classifier's `AddressType`. Users of the
// model get those names, not the rest of the classifier.
@_exported import enum AddressClassification.AddressFamily
@_exported import enum AddressClassification.AddressType
@_exported import struct AddressClassification.IPAddress
