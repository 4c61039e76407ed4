extension JSONWriter {
    /// Writes any decoded JSON value back out, with object keys sorted.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number):
            if number == number.rounded() && abs(number) < 1e15 { integer(Int64(number)) } else { double(number) }
        case .string(let text): string(text)
        case .array(let values):
            beginArray()
            for element in values { self.value(element) }
            endArray()
        case .object(let object):
            beginObject()
            for key in object.keys.sorted() {
                self.key(key)
                self.value(object[key]!)
            }
            endObject()
        }
    }
}
