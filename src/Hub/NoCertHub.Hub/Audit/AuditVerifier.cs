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
/// One pass, in pages read and hashed on every core while the chain is followed; memory holds the
/// leaves of the checkpoints open at the current position, not the whole chain.
/// </summary>
internal sealed class AuditVerifier(AuditChainStore store, AuditChain chain)
{
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
        var active = new List<OpenCheckpoint>();
        var nextToOpen = 0;
        var previous = archivedHead.ToArray();
        var computed = new byte[AuditChain.HashSize];
        (long Seq, byte[] Before)? suspect = null;
        var expected = archivedTo + 1;
        var count = archivedCount;

        await foreach (var page in store.ScanChainAsync(expected, allCores: true, cancellationToken))
        {
            for (var i = 0; i < page.Count; i++)
            {
                var seq = page.Seq(i);
                count++;

                // Checkpoints are settled as soon as the chain passes their end, so memory holds only those open here.
                for (var k = active.Count - 1; k >= 0; k--)
                {
                    if (active[k].Checkpoint.To < seq)
                    {
                        Settle(active[k], atEnd: false, expected - 1, findings);
                        active.RemoveAt(k);
                    }
                }

                while (nextToOpen < trusted.Count && trusted[nextToOpen].From <= seq)
                {
                    active.Add(new OpenCheckpoint(trusted[nextToOpen++]));
                }

                foreach (var c in active)
                {
                    c.Leaves.Write(page.Leaf(i));
                    if (c.Checkpoint.To == seq)
                    {
                        c.Head = page.StoredChainHash(i).ToArray();
                    }
                }

                var linked = Link(page, i, previous, computed);
                var before = linked ? null : previous.ToArray();
                // Carry on from what is stored, so one bad record is reported once, not with everything after it.
                (page.StoredChainHash(i).Length == AuditChain.HashSize ? page.StoredChainHash(i) : computed).CopyTo(previous);
                if (seq != expected)
                {
                    findings.Add(seq - expected == 1
                        ? $"record {expected} is missing: deleted"
                        : $"records {expected}..{seq - 1} are missing: deleted");
                    suspect = null;
                }
                else if (linked)
                {
                    suspect = null;
                }
                else if (suspect is { } s && s.Seq == seq - 1 && await SwappedAsync(s.Before, s.Seq, cancellationToken) is { } head)
                {
                    findings[^1] = $"records {s.Seq} and {seq} are swapped: reordered";
                    // Whole rows swapped leave their chain hashes swapped too: carry on from the one that belongs here.
                    head.CopyTo(previous, 0);
                    suspect = null;
                }
                else
                {
                    findings.Add($"record {seq} does not match its chain hash: altered");
                    suspect = (seq, before!);
                }

                expected = seq + 1;
            }
        }

        var last = expected - 1;
        foreach (var c in active)
        {
            Settle(c, atEnd: true, last, findings);
        }

        // Checkpoints whose range the database never reached.
        foreach (var c in trusted.Skip(nextToOpen))
        {
            findings.Add($"records up to {c.To} are signed in checkpoint {c.From}..{c.To} but the database ends at {last}: truncated");
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
            if (checkpoint is null)
            {
                findings.Add($"archive {name} has no signed checkpoint for its range: cannot be trusted");
            }
            else if (records.Count != end - from + 1 || !chain.MerkleRootHex(records, allCores: true).Equals(checkpoint.MerkleRoot, StringComparison.Ordinal))
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

    // Whether record i's stored chain hash is the previous one chained with its leaf (computed is left holding the latter).
    private static bool Link(AuditLeafPage page, int i, byte[] previous, byte[] computed)
    {
        AuditChain.Chain(previous, page.Leaf(i), computed);
        return computed.AsSpan().SequenceEqual(page.StoredChainHash(i));
    }

    private static void Settle(OpenCheckpoint open, bool atEnd, long last, List<string> findings)
    {
        var c = open.Checkpoint;
        var leaves = open.Leaves.GetBuffer().AsSpan(0, (int)open.Leaves.Length);
        if (open.Head is null && atEnd)
        {
            findings.Add($"records up to {c.To} are signed in checkpoint {c.From}..{c.To} but the database ends at {last}: truncated");
        }
        else if (open.Head is null || leaves.Length != (c.To - c.From + 1) * AuditChain.HashSize
            || !Convert.ToHexStringLower(AuditChain.MerkleRoot(leaves)).Equals(c.MerkleRoot, StringComparison.Ordinal))
        {
            findings.Add($"records {c.From}..{c.To} are not what checkpoint {c.From}..{c.To} signed (Merkle root differs): altered, deleted or rewritten");
        }
        else if (!Convert.ToHexStringLower(open.Head).Equals(c.ChainHead, StringComparison.Ordinal))
        {
            findings.Add($"the chain hash after record {c.To} is not the one checkpoint {c.From}..{c.To} signed: the chain before it was rewritten");
        }

        open.Leaves.Dispose();
    }

    // Two neighbours exchanged: each one's content now sits at the other's position. Only looked
    // at when two records in a row fail, so they are read again as records. Returns the chain hash
    // that belongs after the pair, or null when it is not a swap.
    private async Task<byte[]?> SwappedAsync(byte[] before, long firstSeq, CancellationToken cancellationToken)
    {
        var pair = await store.ReadRangeAsync(firstSeq, 2, cancellationToken);
        if (pair.Count != 2 || pair[1].Seq != firstSeq + 1 || pair[0].ChainHash is not { } firstHash || pair[1].ChainHash is not { } secondHash)
        {
            return null;
        }

        var (first, second) = (pair[0], pair[1]);
        var secondAtFirst = AuditChain.Chain(before, chain.Leaf(first.Seq, second));
        // Contents swapped, chain hashes left in place.
        if (secondAtFirst.AsSpan().SequenceEqual(firstHash)
            && AuditChain.Chain(firstHash, chain.Leaf(second.Seq, first)).AsSpan().SequenceEqual(secondHash))
        {
            return secondHash;
        }

        // Whole rows swapped, their positions relabelled.
        if (secondAtFirst.AsSpan().SequenceEqual(secondHash)
            && AuditChain.Chain(secondHash, chain.Leaf(second.Seq, first)).AsSpan().SequenceEqual(firstHash))
        {
            return firstHash;
        }

        return null;
    }

    private sealed class OpenCheckpoint(AuditCheckpoint checkpoint)
    {
        public AuditCheckpoint Checkpoint { get; } = checkpoint;
        public MemoryStream Leaves { get; } = new();
        public byte[]? Head { get; set; }
    }
}
