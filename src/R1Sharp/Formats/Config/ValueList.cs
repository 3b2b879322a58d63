// An immutable list with value equality, so config records compare by content (records compare
// reference-typed members by reference otherwise).
using System.Collections;

namespace R1Sharp.Formats.Config;

/// <summary>
/// Immutable list whose <see cref="Equals(ValueList{T}?)"/> compares elements, used inside config records
/// (e.g. <c>eos_token_id</c> lists, <c>architectures</c>) so that two equal configs are equal records.
/// </summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    /// <summary>The empty list.</summary>
    public static ValueList<T> Empty { get; } = new(Array.Empty<T>());

    /// <summary>Copies <paramref name="items"/>.</summary>
    public ValueList(IEnumerable<T> items) => _items = items.ToArray();

    /// <inheritdoc/>
    public T this[int index] => _items[index];
    /// <inheritdoc/>
    public int Count => _items.Length;
    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>Element-wise equality.</summary>
    public bool Equals(ValueList<T>? other) =>
        other is not null && _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in _items) h.Add(item);
        return h.ToHashCode();
    }
    /// <summary>Items joined by ", " inside brackets.</summary>
    public override string ToString() => "[" + string.Join(", ", _items) + "]";

    /// <summary>Converts an array (copied) to a value list.</summary>
    public static implicit operator ValueList<T>(T[] items) => new(items);
}
