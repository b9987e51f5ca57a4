using System.Security.Cryptography;

namespace NoCertHub.Hub.Audit;

/// <summary>What the verifier found, and how much it checked.</summary>
internal sealed record AuditVerification(long Records, int Checkpoints, IReadOnlyList<string> Findings)
{
    public bool Intact => Findings.Count == 0;
}

/// <summary>
/// Checks an audit database against its own chain and against the signed checkpoints, and says
/// precisely what was altered, deleted, reordered or truncated, or which checkpoint is forged.
/// One pass, in pages; memory grows with the number of checkpoints open at once, not records.
/// </summary>
internal sealed class AuditVerifier(IAuditStore store, AuditChain chain)
{
    private const int Page = 50_000;

    public Task<AuditVerification> VerifyAsync(string checkpointDirectory, ECDsa publicKey, CancellationToken cancellationToken) =>
        VerifyAsync(checkpointDirectory, archiveDirectory: null, publicKey, cancellationToken);

    /// <summary>
    /// Verifies the archive (if any) and then the database, which continues the chain from where the
    /// archive ends.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(string checkpointDirectory, string? archiveDirectory, ECDsa publicKey, CancellationToken cancellationToken)
    {
        var findings = new List<string>();
        var unreadable = new List<string>();
        var trusted = new List<AuditCheckpoint>();
        foreach (var c in AuditCheckpoints.Read(checkpointDirectory, unreadable))
        {
            if (c.VerifySignature(publicKey))
            {
                trusted.Add(c);
            }
            else
            {
                findings.Add($"checkpoint {c.From}..{c.To}: its signature does not verify with the hub's public key: forged or altered checkpoint");
            }
        }

        findings.AddRange(unreadable.Select(f => $"checkpoint file {f} cannot be read: forged or damaged"));
        var (archivedTo, archivedHead, archivedCount) = await VerifyArchiveAsync(archiveDirectory, trusted, findings, cancellationToken);
        // Checkpoints the archive answered for are done with.
        trusted = trusted.Where(c => c.To > archivedTo).ToList();
        var ends = trusted.Select(c => c.To).ToHashSet();
        var heads = new Dictionary<long, byte[]>();
        var open = new List<(AuditCheckpoint Checkpoint, List<byte[]> Leaves)>();
        var nextToOpen = 0;
        var previous = archivedHead;
        (AuditRecord Record, byte[] Before)? suspect = null;
        var expected = archivedTo + 1;
        var count = archivedCount;

        for (var from = expected; ; )
        {
            var page = await store.ReadRangeAsync(from, Page, cancellationToken);
            foreach (var record in page)
            {
                count++;
                var stored = record.ChainHash ?? [];
                var leaf = chain.Leaf(record.Seq, record);
                while (nextToOpen < trusted.Count && trusted[nextToOpen].From <= record.Seq)
                {
                    open.Add((trusted[nextToOpen], []));
                    nextToOpen++;
                }

                foreach (var (c, leaves) in open.Where(o => o.Checkpoint.To >= record.Seq))
                {
                    leaves.Add(leaf);
                }

                if (ends.Contains(record.Seq))
                {
                    heads[record.Seq] = stored;
                }

                if (record.Seq != expected)
                {
                    findings.Add(record.Seq - expected == 1
                        ? $"record {expected} is missing: deleted"
                        : $"records {expected}..{record.Seq - 1} are missing: deleted");
                    suspect = null;
                }
                else if (!AuditChain.Chain(previous, leaf).AsSpan().SequenceEqual(stored))
                {
                    if (suspect is { } s && s.Record.Seq == record.Seq - 1 && Swapped(s.Before, s.Record, record))
                    {
                        findings[^1] = $"records {s.Record.Seq} and {record.Seq} are swapped: reordered";
                        suspect = null;
                    }
                    else
                    {
                        findings.Add($"record {record.Seq} does not match its chain hash: altered");
                        suspect = (record, previous);
                    }
                }
                else
                {
                    suspect = null;
                }

                // Carry on from what is stored, so one bad record is reported once, not with everything after it.
                previous = stored.Length == AuditChain.HashSize ? stored : AuditChain.Chain(previous, leaf);
                expected = record.Seq + 1;
            }

            if (page.Count < Page)
            {
                break;
            }

            from = page[^1].Seq + 1;
        }

        var last = expected - 1;
        foreach (var c in trusted)
        {
            var leaves = open.FirstOrDefault(o => o.Checkpoint == c).Leaves;
            if (leaves is null || !heads.TryGetValue(c.To, out var head))
            {
                findings.Add($"records up to {c.To} are signed in checkpoint {c.From}..{c.To} but the database ends at {last}: truncated");
            }
            else if (leaves.Count != c.To - c.From + 1 || !Convert.ToHexStringLower(AuditChain.MerkleRoot(leaves)).Equals(c.MerkleRoot, StringComparison.Ordinal))
            {
                findings.Add($"records {c.From}..{c.To} are not what checkpoint {c.From}..{c.To} signed (Merkle root differs): altered, deleted or rewritten");
            }
            else if (!Convert.ToHexStringLower(head).Equals(c.ChainHead, StringComparison.Ordinal))
            {
                findings.Add($"the chain hash after record {c.To} is not the one checkpoint {c.From}..{c.To} signed: the chain before it was rewritten");
            }
        }

        return new AuditVerification(count, trusted.Count, findings);
    }

    /// <summary>
    /// Each archive file must be exactly the range of a trusted checkpoint, contiguous from position
    /// 1, and hash to what that checkpoint signed. Returns where the archive ends and its chain head.
    /// </summary>
    private async Task<(long To, byte[] Head, long Count)> VerifyArchiveAsync(
        string? directory, List<AuditCheckpoint> trusted, List<string> findings, CancellationToken cancellationToken)
    {
        var head = AuditChain.Genesis.ToArray();
        long to = 0;
        long count = 0;
        if (directory is null)
        {
            return (to, head, count);
        }

        foreach (var (from, end, file) in AuditArchive.Ranges(directory))
        {
            var name = Path.GetFileName(file);
            if (from != to + 1)
            {
                findings.Add($"records {to + 1}..{from - 1} are neither in the database's reach nor in the archive: deleted");
            }

            var checkpoint = trusted.FirstOrDefault(c => c.From == from && c.To == end);
            var records = await AuditArchive.ReadAsync(file, cancellationToken);
            var leaves = records.Select(r => chain.Leaf(r.Seq, r)).ToList();
            if (checkpoint is null)
            {
                findings.Add($"archive {name} has no signed checkpoint for its range: cannot be trusted");
            }
            else if (records.Count != end - from + 1 || !Convert.ToHexStringLower(AuditChain.MerkleRoot(leaves)).Equals(checkpoint.MerkleRoot, StringComparison.Ordinal))
            {
                findings.Add($"archive {name} is not what checkpoint {from}..{end} signed: altered");
            }
            else
            {
                head = Convert.FromHexString(checkpoint.ChainHead);
            }

            count += records.Count;
            to = end;
        }

        return (to, head, count);
    }

    // Two neighbours exchanged: each one's content now sits at the other's position.
    private bool Swapped(byte[] before, AuditRecord first, AuditRecord second)
    {
        if (first.ChainHash is null || second.ChainHash is null)
        {
            return false;
        }

        var secondAtFirst = AuditChain.Chain(before, chain.Leaf(first.Seq, second));
        // Contents swapped, chain hashes left in place.
        var contentSwap = secondAtFirst.AsSpan().SequenceEqual(first.ChainHash)
            && AuditChain.Chain(first.ChainHash, chain.Leaf(second.Seq, first)).AsSpan().SequenceEqual(second.ChainHash);
        // Whole rows swapped, their positions relabelled.
        var rowSwap = secondAtFirst.AsSpan().SequenceEqual(second.ChainHash)
            && AuditChain.Chain(second.ChainHash, chain.Leaf(second.Seq, first)).AsSpan().SequenceEqual(first.ChainHash);
        return contentSwap || rowSwap;
    }
}
