using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using NoCertHub.Agents.Hosting;

namespace NoCertHub.Agents.Checking;

/// <summary>A department's legacy database, reached through its ADO.NET provider.</summary>
internal sealed class LegacyDatabase(LegacyDatabaseOptions options)
{
    public DbConnection Open()
    {
        DbConnection connection = options.Provider switch
        {
            DatabaseProvider.SqlServer => new SqlConnection(options.ConnectionString),
            _ => new SqliteConnection(options.ConnectionString),
        };
        return connection;
    }

    /// <summary>Creates the sample SQLite database from its seed script if the file is not there yet.</summary>
    public async Task SeedIfMissingAsync(CancellationToken cancellationToken)
    {
        if (options.Provider != DatabaseProvider.Sqlite || string.IsNullOrEmpty(options.SeedScript))
        {
            return;
        }

        var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        if (File.Exists(file))
        {
            return;
        }

        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var script = Path.IsPathRooted(options.SeedScript) ? options.SeedScript : Path.Combine(AppContext.BaseDirectory, options.SeedScript);
        var sql = await File.ReadAllTextAsync(script, cancellationToken);
        await using var connection = Open();
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
    }
}
