using System.Text;
using NoCertHub.Hub.Requests;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Requests;

public sealed class RequestRecordTests
{
    [Fact]
    public void NewQueued_ReadsBackAsWritten()
    {
        var value = RequestRecord.NewQueued(1_764_000_000_123, remind: true, "hub-a/3f9c", "李四 9:|");

        Assert.True(RequestRecord.TryParse(value, out var record));
        Assert.Equal(RequestRecord.Queued, record.State);
        Assert.Equal(RequestState.Queued, record.RequestState);
        Assert.True(record.Remind);
        Assert.Equal(1_764_000_000_123, record.Deadline);
        Assert.Equal(0, record.Sequence);
        Assert.Equal("hub-a/3f9c", record.Hub);
        Assert.Equal("李四 9:|", record.Officer);
        Assert.True(record.Result.IsEmpty);
        // Fixed offsets the one-byte updates in place rely on (RecordMarkSent, RecordRemindDone).
        Assert.Equal((byte)'q', value[0]);
        Assert.Equal((byte)'1', value[1]);
    }

    [Fact]
    public void Answered_ResultIsEverythingAfterTheOfficer()
    {
        var value = Encoding.UTF8.GetBytes("a0|1764000000123|42|5:hub-b6:王五").Concat(new byte[] { 0, 1, (byte)'|', 255 }).ToArray();

        Assert.True(RequestRecord.TryParse(value, out var record));
        Assert.Equal(RequestState.Answered, record.RequestState);
        Assert.Equal(42, record.Sequence);
        Assert.Equal("王五", record.Officer);
        Assert.Equal(new byte[] { 0, 1, (byte)'|', 255 }, record.Result.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("x0|1|0|0:0:")]
    [InlineData("q2|1|0|0:0:")]
    [InlineData("q0|-1|0|0:0:")]
    [InlineData("q0|1|0|9:ab0:")]
    [InlineData("q0|1|0|2:ab")]
    [InlineData("q0|1|0|")]
    public void TryParse_NotARecord_IsRefused(string value) => Assert.False(RequestRecord.TryParse(Encoding.UTF8.GetBytes(value), out _));
}
