// `Address.type` is the classifier's; users of the model need its name, not the whole classifier.
@_exported import enum AddressClassification.AddressType
