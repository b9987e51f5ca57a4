using System.Runtime.InteropServices;

namespace NoCertHub.Hub.Audit;

/// <summary>
/// SQLite's column accessors called directly in the e_sqlite3 library that Microsoft.Data.Sqlite
/// already loads, without a GC transition: they only read the current row, never block or call
/// back. The chain verifier makes some fifty of these calls per record, and through the general
/// binding their overhead cost more than the rest of the verification (measured: 300 k records/s
/// read through it, see load-tests/README.md). <c>sqlite3_step</c> stays on the general binding.
/// </summary>
internal static unsafe partial class SqliteColumns
{
    private const string Library = "e_sqlite3";
    private const int Null = 5;

    public static bool IsNull(nint statement, int column) => ColumnType(statement, column) == Null;

    public static long Int64(nint statement, int column) => ColumnInt64(statement, column);

    /// <summary>The column's bytes (a TEXT column's UTF-8), valid until the statement moves on.</summary>
    public static ReadOnlySpan<byte> Bytes(nint statement, int column)
    {
        var pointer = ColumnBlob(statement, column);
        return pointer == 0 ? [] : new ReadOnlySpan<byte>((void*)pointer, ColumnBytes(statement, column));
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    [SuppressGCTransition]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial int ColumnType(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial long ColumnInt64(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    [SuppressGCTransition]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial nint ColumnBlob(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [SuppressGCTransition]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial int ColumnBytes(nint statement, int column);
}
