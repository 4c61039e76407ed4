import BindwatchModel

/// The varlink interface definitions served by GetInterfaceDescription.
package enum InterfaceDescription {
    /// Must equal Protocol/io.bindwatch.varlink byte for byte (a test checks).
    package static let bindwatch = #"""
        # The addresses of this host that a program can bind, with the kernel's flags and the
        # reasons behind each verdict. Served by bindwatchd; see bindwatch's README.
        interface io.bindwatch

        # One address as the kernel reports it, with bindwatch's verdict.
        # id: stable for the address's life ("3/2001:db8::1", "2/192.0.2.1/24").
        # address: canonical text as inet_ntop and `ip` write it (RFC 5952; ::ffff:a.b.c.d and
        # ::a.b.c.d in mixed notation), the same in every method; no zone. family: inet or inet6.
        # scope: global, site, link, host or nowhere; another value as its number, as `ip` writes it.
        # type: what kind of address (see Classify).
        # flags: iproute2's names; unknown bits as hex.
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
          type: string,
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

        # Without settled: answers once a bindable address matches (at once if one does). A zone on
        # address (fe80::1%eth0) names its interface by name, else by index, as interface does. Without
        # address, loopback and host-scope addresses do not match. scope (global, site or link): the
        # address must have at least this scope.
        # With settled: true, answers once the filtered set is settled: no address of it is pending
        # (tentative or optimistic, DAD still running, on a link the policy accepts) and at least one
        # is bindable (of at least scope). Loopback and host-scope addresses count only when interface
        # or address names them. The answer reflects a dump of the kernel's addresses made after the
        # call arrived. addresses: every bindable address of the set, best first; address: the first.
        # failed: the set's addresses that failed DAD (dadfailed), which the answer leaves out: none
        # binds until it is removed and added again.
        # Either way, fails with Timeout after timeout seconds (none: no limit).
        method Wait(
          family: ?string,
          interface: ?string,
          address: ?string,
          timeout: ?float,
          settled: ?bool,
          scope: ?string
        ) -> (
          address: Address,
          addresses: ?[]Address,
          failed: ?[]Address
        )

        # Rereads the settings (file, environment, flags), as SIGHUP does, and applies the policy and
        # the event log's settings. Root and the daemon's own user only. addressEvents: the changes
        # the new policy made. restartRequired: changed keys that take effect only after a restart.
        method Reload() -> (
          addressEvents: int,
          restartRequired: []string
        )

        # How many addresses of a family are in a state: bindable, or the first of their reasons.
        type AddressStateCount (
          family: string,
          state: string,
          addresses: int
        )

        # eventLog: the event log's path, null when it is off. eventLogLinesDropped: lines it could
        # not write (full disk, unwritable file) since start.
        # startTime: seconds since the epoch. dadFailures: addresses seen entering dadfailed since
        # start (those the first dump finds in it count). addressesAdded, addressesChanged,
        # addressesRemoved: the table's changes since start, as an unfiltered Watch would see them.
        # addressStates: every family and state, with 0 for those no address is in.
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
          connections: int,
          eventLog: ?string,
          eventLogLinesDropped: int,
          startTime: float,
          dadFailures: int,
          addressesAdded: int,
          addressesChanged: int,
          addressesRemoved: int,
          addressStates: []AddressStateCount
        )

        # A row of the IANA IPv4 or IPv6 Special-Purpose Address Registry; null flags are N/A there.
        type SpecialPurpose (
          prefix: string,
          name: string,
          rfc: string,
          source: ?bool,
          destination: ?bool,
          forwardable: ?bool,
          globallyReachable: ?bool,
          reservedByProtocol: ?bool
        )

        # What Linux's __ipv6_addr_type() returns (scope bits included), and whether its type-level
        # check accepts the address as a route gateway (an on-link route is still needed).
        type KernelView (
          typeBits: int,
          gatewayAccepted: bool
        )

        # type is one of: unspecified, loopback, multicast, link-local, site-local, unique-local,
        # ipv4-mapped, ipv4-compatible, global-unicast (IPv6); unspecified, loopback, link-local,
        # private, shared, multicast, broadcast, reserved, global-unicast (IPv4). A string, not a
        # varlink enum: varlink enum members cannot contain "-".
        type Classification (
          address: string,
          family: string,
          type: string,
          scope: string,
          ianaGlobalUnicast: ?bool,
          special: ?SpecialPurpose,
          globallyReachable: bool,
          kernel: ?KernelView,
          legacyKernel: ?KernelView,
          precedence: int,
          label: int
        )

        # One reason an address is not bindable, and the kernel rule or setting behind it.
        type ReasonExplanation (
          reason: string,
          source: string,
          detail: string
        )

        type AddressExplanation (
          address: Address,
          reasons: []ReasonExplanation
        )

        # What any address is, by today's rules and by older kernels'. A %zone suffix is echoed.
        # ianaGlobalUnicast: IPv6 only, inside IANA's allocated 2000::/3. legacyKernel: the
        # 2.6.2x-2.6.3x rules. precedence, label: RFC 6724's default policy (IPv4 as ::ffff:0:0/96).
        # explanation: the same in a few sentences.
        method Classify(address: string) -> (
          address: string,
          family: string,
          type: string,
          scope: string,
          ianaGlobalUnicast: ?bool,
          special: ?SpecialPurpose,
          globallyReachable: bool,
          kernel: ?KernelView,
          legacyKernel: ?KernelView,
          precedence: int,
          label: int,
          explanation: string
        )

        # An address of this host: its classification, a readable explanation, and every copy of it
        # in the table with each reason and the rule or setting behind it.
        method Explain(address: string) -> (
          classification: Classification,
          explanation: string,
          addresses: []AddressExplanation
        )

        # pending: the addresses of the Wait's set still in DAD. unbindable: up to 64 addresses of
        # its set (of its scope) that neither bind nor wait for DAD, each with the reasons why.
        # Both best first.
        error Timeout (pending: ?[]Address, unbindable: ?[]Address)

        # A List reply would exceed the 16 MiB message limit; call it with more.
        error TooLarge (addresses: int)

        # The message could not be read: bad framing, JSON or shape. The connection is closed.
        error ProtocolError (reason: string)

        # Wait, Classify or Explain was given text that is not an IP address.
        error InvalidAddress (reason: string)

        # Explain was given an address this host does not have.
        error NoSuchAddress ()

        # More than 64 calls were queued behind a Watch, which ends with this error; the calls queued
        # are answered, then the connection is closed.
        error TooManyCalls (limit: int)

        # Reload is for root and the daemon's own user.
        error PermissionDenied ()

        # The settings were refused and the old ones stay in force. key: the YAML key at fault, if
        # one is (the flag or environment variable is named in source); source: where the value or
        # file came from; problem: what is wrong.
        error InvalidConfiguration (key: ?string, source: string, problem: string)

        """#

    package static let varlinkService = #"""
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
