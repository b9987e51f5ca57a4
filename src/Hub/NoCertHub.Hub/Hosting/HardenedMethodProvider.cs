using System.Reflection;
using System.Text;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Prometheus;

namespace NoCertHub.Hub.Hosting;

/// <summary>
/// Binds every gRPC service the hub maps (its own, reflection) in place of grpc-dotnet's default
/// binder, with one difference: each request message is read by a parser that drops unknown
/// fields (nothing a caller pads a message with reaches Redis, the audit or a log) and that turns
/// a message it cannot read (garbage, invalid UTF-8, nesting past the limit, a cut frame) into
/// <c>InvalidArgument</c> naming the message type and what is wrong, logged at Warning without
/// the payload and counted, instead of grpc-dotnet's <c>Unknown</c> logged as a server error; a
/// message that reads but breaks <see cref="RequestFields"/> is refused the same way.
/// Services and their [Authorize] metadata are found exactly as the default binder finds them:
/// the generated base class's BindService, the overriding methods and their attributes.
/// </summary>
internal sealed class HardenedMethodProvider<TService>(ILogger<HardenedMethodProvider<TService>> logger, MalformedMessages malformed)
    : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var attribute = typeof(TService).GetCustomAttributes<BindServiceMethodAttribute>(inherit: true).FirstOrDefault();
        var bind = attribute?.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static).FirstOrDefault(m =>
            m.Name == attribute.BindMethodName && m.GetParameters() is [{ ParameterType: var b }, _] && b == typeof(ServiceBinderBase));
        if (bind is null)
        {
            return;
        }

        var serviceBase = bind.GetParameters()[1].ParameterType;
        bind.Invoke(null, [new Binder(context, serviceBase, logger, malformed), null]);
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type serviceBase, ILogger logger, MalformedMessages malformed) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Hardened(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Hardened(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Hardened(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Hardened(method), metadata, invoker);
        }

        // The service's override of the generated method, as a delegate taking the service; its
        // attributes (and the service's) are the endpoint's metadata, so [Authorize] applies as before.
        private (TDelegate Invoker, List<object> Metadata) Handler<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            var method = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}");
            if (method.GetBaseDefinition().DeclaringType != serviceBase)
            {
                throw new InvalidOperationException($"{typeof(TService).Name}.{name} does not override the generated {serviceBase.Name}.{name}");
            }

            List<object> metadata = [.. typeof(TService).GetCustomAttributes(inherit: true), .. method.GetCustomAttributes(inherit: true)];
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method), metadata);
        }

        private Method<TRequest, TResponse> Hardened<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
        {
            if (typeof(TRequest).GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not MessageParser parser)
            {
                return method;
            }

            var lenient = parser.WithDiscardUnknownFields(true);
            var messageName = typeof(TRequest).Name;
            // An agent's stream carries its department's data as the department holds it (a line
            // break in an address is theirs to keep); every other request is checked field by field.
            var text = method.Type is MethodType.Unary or MethodType.ServerStreaming;
            var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
            {
                IMessage message;
                try
                {
                    message = lenient.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (Exception e) when (e is InvalidProtocolBufferException or DecoderFallbackException or ArgumentException)
                {
                    var reason = e is InvalidProtocolBufferException ? e.Message : "a string is not valid UTF-8";
                    throw Refuse(method.FullName, messageName, $"the {messageName} message cannot be read: {reason}");
                }

                return RequestFields.Problem(message, text) is { } problem
                    ? throw Refuse(method.FullName, messageName, problem)
                    : (TRequest)message;
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }

        private RpcException Refuse(string method, string messageName, string reason)
        {
            HostingLog.RefusedMessage(logger, method, messageName, reason);
            malformed.Count(method);
            return new RpcException(new Status(StatusCode.InvalidArgument, reason));
        }
    }
}

/// <summary>Counts the messages the hub could not read, by method (nocert_malformed_messages_total).</summary>
internal sealed class MalformedMessages(IMetricFactory metrics)
{
    private readonly Counter _count = metrics.CreateCounter("nocert_malformed_messages_total",
        "Request messages refused before any service read them, by gRPC method: unreadable (garbage, invalid UTF-8, nesting too deep, cut frames) or with a field no request may hold (text over 4,096 characters, control characters, an impossible time); each answered InvalidArgument.",
        new CounterConfiguration { LabelNames = ["method"] });

    public void Count(string method) => _count.WithLabels(method).Inc();
}

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Refused a {MessageType} on {Method}: {Reason}")]
    public static partial void RefusedMessage(ILogger logger, string method, string messageType, string reason);
}
