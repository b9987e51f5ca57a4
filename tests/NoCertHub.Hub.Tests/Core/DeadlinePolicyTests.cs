using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NoCertHub.Hub.Core;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Core;

public class DeadlinePolicyTests
{
    private static readonly TimeSpan District = TimeSpan.FromHours(8);

    [Theory]
    [InlineData(SlaClass.Immediate, 0, 30)]
    [InlineData(SlaClass.Records, 24, 0)]
    [InlineData(SlaClass.OnSite, 48, 0)]
    public void Natural_EachSlaClass_GetsItsArticle11Limit(SlaClass sla, int hours, int minutes)
    {
        var accepted = Local(2026, 9, 30, 16, 0);

        var deadline = Policy(new SlaOptions()).DeadlineFor(sla, accepted);

        Assert.Equal(accepted + new TimeSpan(hours, minutes, 0), deadline);
    }

    [Fact]
    public void Natural_LimitsComeFromConfiguration()
    {
        var policy = Policy(new SlaOptions { Immediate = TimeSpan.FromMinutes(20) });

        Assert.Equal(Local(2026, 3, 2, 10, 20), policy.DeadlineFor(SlaClass.Immediate, Local(2026, 3, 2, 10, 0)));
    }

    [Fact]
    public void WorkingDays_RecordsCheckOnTheEveOfNationalDay_IsDueTheFirstWorkingDayAfter()
    {
        // Wednesday 30 September, 16:00; 1–7 October are the holiday.
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Records, Local(2026, 9, 30, 16, 0));

        Assert.Equal(Local(2026, 10, 8, 16, 0), deadline);
    }

    [Fact]
    public void WorkingDays_OnSiteCheck_CountsTheMakeUpSaturday()
    {
        // Thursday 8 October + 2 working days: Friday 9th, then Saturday 10th, a make-up working day.
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.OnSite, Local(2026, 10, 8, 9, 0));

        Assert.Equal(Local(2026, 10, 10, 9, 0), deadline);
    }

    [Fact]
    public void WorkingDays_RequestReceivedAfterHours_StartsItsClockAtTheNextOpening()
    {
        // Friday 9 October 19:00: the clock starts Saturday 10th (make-up day) 08:30.
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Records, Local(2026, 10, 9, 19, 0));

        Assert.Equal(Local(2026, 10, 12, 8, 30), deadline);
    }

    [Fact]
    public void WorkingDays_RequestReceivedOnAWeekend_StartsItsClockOnMonday()
    {
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Records, Local(2026, 11, 28, 11, 0));

        Assert.Equal(Local(2026, 12, 1, 8, 30), deadline);
    }

    [Fact]
    public void WorkingDays_ImmediateCheckNearClosing_CarriesTheRestToTheNextWorkingMorning()
    {
        // 17:20 on the eve of the holiday: 10 minutes today, 20 on 8 October from 08:30.
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Immediate, Local(2026, 9, 30, 17, 20));

        Assert.Equal(Local(2026, 10, 8, 8, 50), deadline);
    }

    [Fact]
    public void WorkingDays_ImmediateCheckBeforeOpening_StartsAtOpening()
    {
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Immediate, Local(2026, 12, 1, 7, 0));

        Assert.Equal(Local(2026, 12, 1, 9, 0), deadline);
    }

    [Fact]
    public void WorkingDays_ComputesInDistrictTime_WhateverTheInstantsOffset()
    {
        // 2026-09-30 08:00 UTC is 16:00 in Jiaojiang.
        var deadline = Policy(WorkingDays()).DeadlineFor(SlaClass.Records, new DateTimeOffset(2026, 9, 30, 8, 0, 0, TimeSpan.Zero));

        Assert.Equal(Local(2026, 10, 8, 16, 0), deadline);
    }

    [Theory]
    [InlineData("2026-10-01..2026-09-01")]
    [InlineData("2026/10/01")]
    [InlineData("2026-10-01..2026-10-03..2026-10-05")]
    public void Calendar_MalformedHolidayEntry_IsRejectedNamingIt(string entry)
    {
        var options = WorkingDays();
        options.Calendar.Holidays.Add(entry);

        var error = Assert.Throws<ArgumentException>(() => new WorkingCalendar(options.Calendar));

        Assert.Contains(entry, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calendar_DayBothHolidayAndWorkingWeekend_IsRejected()
    {
        var options = WorkingDays();
        options.Calendar.WorkingWeekends.Add("2026-10-03");

        var error = Assert.Throws<ArgumentException>(() => new WorkingCalendar(options.Calendar));

        Assert.Contains("2026-10-03", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reminder_FallsAtTheConfiguredShareOfTheTimeAllowed()
    {
        var accepted = Local(2026, 12, 1, 9, 0);
        var policy = Policy(new SlaOptions { ReminderAt = 0.8 });

        Assert.Equal(Local(2026, 12, 1, 9, 24), policy.ReminderFor(accepted, accepted + TimeSpan.FromMinutes(30)));
        Assert.Null(Policy(new SlaOptions { ReminderAt = 0 }).ReminderFor(accepted, accepted + TimeSpan.FromMinutes(30)));
    }

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, District);

    private static DeadlinePolicy Policy(SlaOptions options) => new(Options.Create(options), NullLogger<DeadlinePolicy>.Instance);

    /// <summary>The 2026 arrangement around National Day, as the shipped appsettings.json has it.</summary>
    private static SlaOptions WorkingDays() => new()
    {
        Clock = SlaClock.WorkingDays,
        Calendar = new WorkingCalendarOptions
        {
            Holidays = ["2026-09-25..2026-09-27", "2026-10-01..2026-10-07"],
            WorkingWeekends = ["2026-09-20", "2026-10-10"],
        },
    };
}
