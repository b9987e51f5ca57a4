using NoCertHub.Hub.Core;
using Xunit;

namespace NoCertHub.Hub.Tests.Core;

public class SubjectIdsTests
{
    [Theory]
    [InlineData("33100219850312001X")]
    [InlineData("331002199007210029")]
    public void IsValidResidentId_WellFormedNumber_IsAccepted(string id) => Assert.True(SubjectIds.IsValidResidentId(id));

    [Theory]
    [InlineData("331002198503120012")] // wrong check digit
    [InlineData("331002198513120019")] // month 13
    [InlineData("33100219850312001")] // 17 characters
    [InlineData("33100219850312001X ")]
    [InlineData("")]
    public void IsValidResidentId_Malformed_IsRejected(string id) => Assert.False(SubjectIds.IsValidResidentId(id));

    [Theory]
    [InlineData("91331002MA2H7K3L5D", true)]
    [InlineData("91331002MA2J8P0Q6T", true)]
    [InlineData("91331002MA2H7K3L5E", false)] // wrong check character
    [InlineData("91331002MA2H7K3I5D", false)] // I is not in the code's alphabet
    public void IsValidCreditCode_ChecksTheCheckCharacter(string code, bool valid) => Assert.Equal(valid, SubjectIds.IsValidCreditCode(code));
}
