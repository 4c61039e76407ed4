/// The varlink interface definitions served by GetInterfaceDescription.
enum InterfaceDescription {
    /// Must equal Varlink/io.bindwatch.varlink byte for byte (a test checks).
    static let bindwatch = #"""
        # The addresses of this host that a program can bind, with the kernel's flags and the
        # reasons behind each verdict. Served by bindwatchd; see bindwatch's README.
        interface io.bindwatch

        # One address as the kernel reports it, with bindwatch's verdict.
        # id: stable for the address's life ("3/2001:db8::1", "2/192.0.2.1/24").
        # address: canonical text (RFC 5952), no zone. family: inet or inet6.
        # scope: global, site, link, host or nowhere. flags: iproute2's names; unknown bits as hex.
        # peer: the far end on a point-to-point link. label: IPv4 only.
        # preferredLifetime, validLifetime: seconds remaining at reply time; null is forever.
        # bindable: in the published set. reasons: why not, empty exactly when bindable.
        type Address (
          id: string,
          address: string,
          prefixLength: int,
          family: string,
          interface: string,
          ifindex: int,
          scope: string,
          flags: []string,
          peer: ?string,
          label: ?string,
          preferredLifetime: ?int,
          validLifetime: ?int,
          bindable: bool,
          reasons: []string
        )

        # type: added, changed or removed, relative to the subscriber's filter.
        # generation: the table generation this change produced.
        type Event (
          type: string,
          generation: int,
          address: Address
        )

        # The bindable set by default, every address with all: true; filters combine.
        # With more, replies stream in parts like Watch's snapshot.
        method List(family: ?string, interface: ?string, all: ?bool) -> (
          generation: int,
          addresses: []Address,
          snapshotComplete: ?bool
        )

        # Requires more. First the snapshot, in one or more replies with addresses (the last has
        # snapshotComplete: true), then one reply per event.
        method Watch(family: ?string, interface: ?string, all: ?bool) -> (
          generation: int,
          addresses: ?[]Address,
          snapshotComplete: ?bool,
          event: ?Event
        )

        # Answers once a bindable address matches (at once if one does), else fails with Timeout
        # after timeout seconds (none: no limit). Without address, loopback and host-scope
        # addresses do not match.
        method Wait(family: ?string, interface: ?string, address: ?string, timeout: ?float) -> (
          address: Address
        )

        method GetStatus() -> (
          version: string,
          uptimeSeconds: float,
          links: int,
          addresses: int,
          bindable: int,
          generation: int,
          netlinkMessages: int,
          malformedMessages: int,
          resyncs: int,
          synced: bool,
          subscribers: int,
          connections: int
        )

        error Timeout ()

        # A List reply would exceed the 16 MiB message limit; call it with more.
        error TooLarge (addresses: int)

        # The message could not be read: bad framing, JSON or shape. The connection is closed.
        error ProtocolError (reason: string)

        # Wait was given an address that is not an IP address.
        error InvalidAddress (reason: string)

        """#

    static let varlinkService = #"""
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the supplied parameters
        # do not conform to its definition.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """#
}
