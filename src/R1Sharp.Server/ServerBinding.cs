// Turns `--host` into the one address Kestrel listens on. Kestrel's URL form listens on every interface for any host
// it cannot parse as an IP ("http://typo:8080" means *:8080); llama.cpp and uvicorn refuse what they cannot bind, and
// so does this: IP literals, "localhost", and names the system resolver knows (the first address, as uvicorn binds).
using System.Net;
using System.Net.Sockets;

namespace R1Sharp.Server;

/// <summary>Resolves and checks the address the server binds.</summary>
public static class ServerBinding
{
    /// <summary>
    /// The address to listen on: an IPv4 dotted quad or IPv6 literal (brackets allowed) as given; <c>localhost</c> →
    /// 127.0.0.1; another name → the first address it resolves to. Example: <c>"0.0.0.0"</c> → every IPv4 interface.
    /// </summary>
    /// <exception cref="R1SharpException">Not an address, or a name that does not resolve (one line naming --host).</exception>
    public static IPAddress ResolveHost(string host)
    {
        string h = host.Trim();
        if (h.StartsWith('[') && h.EndsWith(']')) h = h[1..^1];
        if (h.Contains(':'))
            return IPAddress.TryParse(h, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6
                : throw Refuse(host, "not a valid IPv6 address");
        // Digits and dots only: an IPv4 address, written out in full (no "127.1" shorthand, no bare numbers).
        if (h.Length > 0 && h.All(c => char.IsAsciiDigit(c) || c == '.'))
            return h.Split('.').Length == 4 && IPAddress.TryParse(h, out var v4) ? v4 : throw Refuse(host, "not a valid IPv4 address");
        if (h.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (Uri.CheckHostName(h) != UriHostNameType.Dns) throw Refuse(host, "not an IP address or a host name");
        IPAddress[] addresses;
        try { addresses = Dns.GetHostAddresses(h); }
        catch (SocketException e) { throw Refuse(host, $"the name does not resolve ({e.Message})"); }
        return addresses.Length > 0 ? addresses[0] : throw Refuse(host, "the name resolves to no address");
    }

    /// <summary>True when <paramref name="address"/> is reachable from other machines (not a loopback address).</summary>
    public static bool IsBeyondLoopback(IPAddress address) => !IPAddress.IsLoopback(address);

    private static R1SharpException Refuse(string host, string why) =>
        new($"--host {host}: {why}; use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or an address of this machine");
}
