using NoCertHub.V1;

namespace NoCertHub.Hub.Core;

/// <summary>Check digits of the two national identifiers a subject can have.</summary>
internal static class SubjectIds
{
    private static readonly int[] ResidentWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string ResidentCheck = "10X98765432";
    private static readonly int[] CreditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private const string CreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// <summary>Resident identity card number, GB 11643-1999: 17 digits, a birth date, a check character.</summary>
    public static bool IsValidResidentId(string id)
    {
        if (id.Length != 18)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(id[i]))
            {
                return false;
            }

            sum += (id[i] - '0') * ResidentWeights[i];
        }

        return DateOnly.TryParseExact(id.AsSpan(6, 8), "yyyyMMdd", out _) && ResidentCheck[sum % 11] == id[17];
    }

    /// <summary>Unified social credit code, GB 32100-2015: 18 characters, the last a check character.</summary>
    public static bool IsValidCreditCode(string code)
    {
        if (code.Length != 18)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = CreditAlphabet.IndexOf(code[i], StringComparison.Ordinal);
            if (value < 0)
            {
                return false;
            }

            sum += value * CreditWeights[i];
        }

        var check = (31 - (sum % 31)) % 31;
        return CreditAlphabet[check] == code[17];
    }

    /// <summary>Refuses (InvalidArgument, naming <paramref name="field"/>) a subject whose kind, identifier or name is not well-formed.</summary>
    public static void Validate(Subject subject, string field)
    {
        switch (subject.Kind)
        {
            case SubjectKind.Person:
                if (!IsValidResidentId(subject.Id))
                {
                    throw RequestRefusedException.Invalid($"{field}.id is not a valid resident identity card number (18 characters, check digit per GB 11643)");
                }

                break;
            case SubjectKind.Organization:
                if (!IsValidCreditCode(subject.Id))
                {
                    throw RequestRefusedException.Invalid($"{field}.id is not a valid unified social credit code (18 characters, check character per GB 32100)");
                }

                break;
            default:
                throw RequestRefusedException.Invalid($"{field}.kind must be PERSON or ORGANIZATION");
        }

        if (subject.Name.Length > 128)
        {
            throw RequestRefusedException.Invalid($"{field}.name is longer than 128 characters");
        }
    }
}
