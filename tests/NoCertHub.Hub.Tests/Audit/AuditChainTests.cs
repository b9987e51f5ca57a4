using System.Security.Cryptography;
using NoCertHub.Hub.Audit;
using Xunit;

namespace NoCertHub.Hub.Tests.Audit;

public class AuditChainTests
{
    // RFC 6962 reference inputs and roots, as used by Certificate Transparency's own tests.
    private static readonly byte[][] Inputs =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    [Theory]
    [InlineData(1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]
    [InlineData(2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")]
    [InlineData(5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")]
    [InlineData(8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    public void MerkleRoot_MatchesTheRfc6962ReferenceRoots(int size, string root)
    {
        var leaves = Inputs.Take(size).Select(input => SHA256.HashData([0x00, .. input])).ToList();

        Assert.Equal(root, Convert.ToHexStringLower(AuditChain.MerkleRoot(leaves)));
    }

    [Fact]
    public void Leaf_HidesTheSubjectBehindTheKey_AndCoversEveryField()
    {
        var record = new AuditRecord { RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(1), Kind = AuditKind.Answered, SubjectKind = "Person", SubjectId = "33100219850312001X", HubInstance = "h" };
        var a = new AuditChain(new byte[32]);
        var b = new AuditChain(Enumerable.Repeat((byte)7, 32).ToArray());

        Assert.NotEqual(a.Leaf(1, record), b.Leaf(1, record));
        Assert.NotEqual(a.Leaf(1, record), a.Leaf(2, record));
        Assert.NotEqual(a.Leaf(1, record), a.Leaf(1, record with { Purpose = "" }));
        Assert.NotEqual(a.Leaf(1, record with { Purpose = "ab", Reason = "c" }), a.Leaf(1, record with { Purpose = "a", Reason = "bc" }));
        Assert.Equal(a.Leaf(1, record), a.Leaf(1, record with { Seq = 99, ChainHash = [1] }));
    }
}
