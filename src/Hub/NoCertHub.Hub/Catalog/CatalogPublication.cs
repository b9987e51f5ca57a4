using Google.Protobuf;
using NoCertHub.V1;

namespace NoCertHub.Hub.Catalog;

/// <summary>
/// The public cancellation list (证明材料取消清单, Art. 6) as machine-readable JSON: every item in
/// force on a day (<c>?on=yyyy-MM-dd</c>, default today), in the same shape as
/// <c>CatalogService.ListItems</c>.
/// </summary>
internal static class CatalogPublication
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static IResult Render(HttpContext http, ICatalog catalog, TimeProvider time)
    {
        var on = http.Request.Query["on"].ToString();
        if (!CatalogRules.TryParseDay(on, out var day))
        {
            return Results.Problem($"on '{on}' is not a day written yyyy-MM-dd", statusCode: StatusCodes.Status400BadRequest);
        }

        var list = new ListItemsResponse { On = CatalogRules.FormatDay(day ?? CatalogRules.Today(time)) };
        list.Items.Add(catalog.InForceOn(day ?? CatalogRules.Today(time)).Select(i => i.ToSpec()));
        return Results.Text(Formatter.Format(list), "application/json; charset=utf-8");
    }
}
