using NoCertHub.Hub.Core;
using NoCertHub.Hub.Sla;
using Xunit;

namespace NoCertHub.Hub.Tests.Sla;

public class ClockStopTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Measure_ChecksSideBySide_StopTheClockOnce()
    {
        // 09:00–09:20 and 09:10–09:30 overlap: the clock stood still 30 minutes, the waits add to 40.
        var (stopped, sum) = ClockStop.Measure([Check(0, 20), Check(10, 30)], T0.AddHours(1));

        Assert.Equal(TimeSpan.FromMinutes(30), stopped);
        Assert.Equal(TimeSpan.FromMinutes(40), sum);
    }

    [Fact]
    public void Measure_ChecksOneAfterAnother_AddUp()
    {
        var (stopped, sum) = ClockStop.Measure([Check(0, 5), Check(60, 75), Check(10, 12)], T0.AddHours(2));

        Assert.Equal(TimeSpan.FromMinutes(22), stopped);
        Assert.Equal(TimeSpan.FromMinutes(22), sum);
    }

    [Fact]
    public void Measure_PendingCheck_RunsUntilNow()
    {
        var (stopped, sum) = ClockStop.Measure([Check(0, 10), Check(5, null)], T0.AddMinutes(45));

        Assert.Equal(TimeSpan.FromMinutes(45), stopped);
        Assert.Equal(TimeSpan.FromMinutes(50), sum);
    }

    [Fact]
    public void Measure_CheckInsideAnother_AddsNothingToTheStoppedTime()
    {
        var (stopped, _) = ClockStop.Measure([Check(0, 60), Check(10, 20)], T0.AddHours(2));

        Assert.Equal(TimeSpan.FromMinutes(60), stopped);
    }

    [Fact]
    public void Entry_RoundTripsThroughItsStoredForm()
    {
        Assert.True(CaseCheckEntry.TryParse("r01-x", "JJ-MZ-001|1795000000000|1795000060000", out var answered));
        Assert.True(CaseCheckEntry.TryParse("r01-y", "JJ-MZ-001|1795000000000|", out var pending));
        Assert.False(CaseCheckEntry.TryParse("r01-z", "garbage", out _));

        Assert.Equal(TimeSpan.FromMinutes(1), answered.AnsweredAt - answered.AcceptedAt);
        Assert.Null(pending.AnsweredAt);
        Assert.Equal("JJ-MZ-001", pending.ItemCode);
    }

    private static CaseCheckEntry Check(int fromMinute, int? toMinute) =>
        new("r00-" + fromMinute, "JJ-MZ-001", T0.AddMinutes(fromMinute), toMinute is { } m ? T0.AddMinutes(m) : null);
}
