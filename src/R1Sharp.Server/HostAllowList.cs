// DNS-rebinding protection (Django ALLOWED_HOSTS, Jupyter's local-host check): a page on evil.example whose name is
// re-pointed at 127.0.0.1 reaches the server with "Host: evil.example" and, same-origin to the browser, reads every
// answer. Only names the operator knows are accepted; a rebinding attack needs a name, so IP literals always pass.
using System.Net;

namespace R1Sharp.Server;

/// <summary>Which Host header values the server answers.</summary>
internal sealed class HostAllowList
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase) { "localhost" };
    private readonly bool _any;

    /// <param name="boundHost">The --host value (a name given there is accepted).</param>
    /// <param name="allowed">Extra names; "*" accepts every host.</param>
    public HostAllowList(string boundHost, IReadOnlyList<string> allowed)
    {
        _names.Add(boundHost.Trim());
        foreach (var name in allowed) _names.Add(name.Trim());
        _any = _names.Contains("*");
    }

    /// <summary>
    /// True for a missing Host (HTTP/1.0), an IP literal (<c>127.0.0.1</c>, <c>[::1]</c>), <c>localhost</c>, the bound
    /// host, or an allowed name, the port ignored. Example: <c>"localhost:8080"</c> passes, <c>"evil.example"</c> does not.
    /// </summary>
    public bool Allows(string? hostWithoutPort)
    {
        if (_any || string.IsNullOrEmpty(hostWithoutPort)) return true;
        string host = hostWithoutPort.StartsWith('[') && hostWithoutPort.EndsWith(']') ? hostWithoutPort[1..^1] : hostWithoutPort;
        if (IPAddress.TryParse(host, out _) && (host.Contains(':') || host.Split('.').Length == 4)) return true;
        return _names.Contains(host) || _names.Contains(host.TrimEnd('.'));
    }
}
