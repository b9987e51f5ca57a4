using Google.Protobuf;
using NoCertHub.V1;

namespace NoCertHub.Hub.Requests;

/// <summary>
/// The immutable part of a request on record: the request and its receipt, length-delimited, in
/// one Redis string, apart from the request's small mutable record (<see cref="RequestRecord"/>),
/// which is rewritten as the request moves on while this is written once. The receipt's request
/// id is left out: the key already says it.
/// </summary>
internal static class RequestBody
{
    public static byte[] Pack(VerificationRequest request, Receipt receipt)
    {
        var withoutId = receipt.Clone();
        withoutId.RequestId = "";
        // Sized exactly and written in place: WriteDelimitedTo(Stream) would allocate a 4 KiB
        // buffer per message, the request path's largest allocation (measured).
        var requestSize = request.CalculateSize();
        var receiptSize = withoutId.CalculateSize();
        var body = new byte[CodedOutputStream.ComputeLengthSize(requestSize) + requestSize + CodedOutputStream.ComputeLengthSize(receiptSize) + receiptSize];
        var output = new CodedOutputStream(body);
        output.WriteLength(requestSize);
        request.WriteTo(output);
        output.WriteLength(receiptSize);
        withoutId.WriteTo(output);
        output.CheckNoSpaceLeft();
        return body;
    }

    public static (VerificationRequest Request, Receipt Receipt) Unpack(string requestId, byte[] body)
    {
        using var stream = new MemoryStream(body, writable: false);
        var request = VerificationRequest.Parser.ParseDelimitedFrom(stream);
        var receipt = Receipt.Parser.ParseDelimitedFrom(stream);
        receipt.RequestId = requestId;
        return (request, receipt);
    }
}
