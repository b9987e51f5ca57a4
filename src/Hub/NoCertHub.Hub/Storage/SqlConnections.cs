using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace NoCertHub.Hub.Storage;

/// <summary>Opening connections the same way for every SQL store (audit, catalog), whatever the engine.</summary>
internal static class SqlConnections
{
    /// <summary>Opens the connection and runs the dialect's per-connection statement (SQLite's pragmas), or disposes it on failure.</summary>
    public static async Task<DbConnection> OpenAsync(DbConnection connection, string? onOpen, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (onOpen is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(onOpen, cancellationToken: cancellationToken));
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A SQLite connection whose database file's folder exists.</summary>
    public static SqliteConnection Sqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        return new SqliteConnection(connectionString);
    }
}
