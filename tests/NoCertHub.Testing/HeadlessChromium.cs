using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace NoCertHub.Testing;

/// <summary>What a page did when Chromium loaded it: what it logged as errors, a value read from it, and a screenshot.</summary>
public sealed record RenderedPage(IReadOnlyList<string> Errors, JsonNode? Evaluated, byte[] Screenshot);

/// <summary>
/// Debian's chromium, headless, driven over the DevTools protocol on loopback: loads a page, collects
/// every console error, uncaught exception and failed load, evaluates an expression in the page and
/// takes a full-page screenshot.
/// </summary>
public static class HeadlessChromium
{
    public static async Task<RenderedPage> RenderAsync(Uri page, string expression, TimeSpan patience)
    {
        var executable = ServerProcess.Which("chromium") ?? throw new InvalidOperationException("chromium is not installed (scripts/test.sh installs Debian's package)");
        var profile = Directory.CreateTempSubdirectory("nocert-chromium-").FullName;
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var chromium = Process.Start(start) ?? throw new InvalidOperationException("could not start chromium");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        chromium.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            const string prefix = "DevTools listening on ";
            if (e.Data?.StartsWith(prefix, StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(new Uri(e.Data[prefix.Length..]));
            }
        };
        chromium.OutputDataReceived += (_, _) => { };
        chromium.BeginErrorReadLine();
        chromium.BeginOutputReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(patience);
            Uri browser;
            try
            {
                browser = await listening.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                lock (output)
                {
                    throw new InvalidOperationException("chromium did not open its DevTools port:\n" + output);
                }
            }

            using var http = new HttpClient();
            using var created = await http.PutAsync(new Uri($"http://{browser.Authority}/json/new?about:blank"), null, timeout.Token);
            var target = JsonNode.Parse(await created.EnsureSuccessStatusCode().Content.ReadAsStringAsync(timeout.Token))!;
            await using var session = await DevTools.ConnectAsync(new Uri(target["webSocketDebuggerUrl"]!.GetValue<string>()), timeout.Token);
            await session.SendAsync("Runtime.enable", null, timeout.Token);
            await session.SendAsync("Log.enable", null, timeout.Token);
            await session.SendAsync("Page.enable", null, timeout.Token);
            await session.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1200, ["height"] = 900, ["deviceScaleFactor"] = 1, ["mobile"] = false }, timeout.Token);
            var loaded = session.WaitForEvent("Page.loadEventFired");
            var navigated = await session.SendAsync("Page.navigate", new JsonObject { ["url"] = page.AbsoluteUri }, timeout.Token);
            if (navigated?["errorText"] is { } error)
            {
                throw new InvalidOperationException($"chromium could not load {page}: {error}");
            }

            await loaded.WaitAsync(timeout.Token);
            var evaluated = await session.SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, timeout.Token);
            var height = (await session.SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = "document.documentElement.scrollHeight", ["returnByValue"] = true }, timeout.Token))?["result"]?["value"]?.GetValue<int>() ?? 900;
            await session.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1200, ["height"] = Math.Min(height, 10_000), ["deviceScaleFactor"] = 1, ["mobile"] = false }, timeout.Token);
            var shot = await session.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, timeout.Token);
            return new RenderedPage(session.Errors, evaluated?["result"]?["value"]?.DeepClone(), Convert.FromBase64String(shot!["data"]!.GetValue<string>()));
        }
        finally
        {
            chromium.Kill(entireProcessTree: true);
            await chromium.WaitForExitAsync();
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder.
            }
        }
    }

    // One page's DevTools session: numbered commands and their results, events as they come.
    private sealed class DevTools : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly Dictionary<int, TaskCompletionSource<JsonNode?>> _pending = [];
        private readonly Dictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);
        private readonly List<string> _errors = [];
        private readonly CancellationTokenSource _stop = new();
        private Task _reading = Task.CompletedTask;
        private int _next;

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public static async Task<DevTools> ConnectAsync(Uri address, CancellationToken cancellationToken)
        {
            var session = new DevTools();
            session._socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await session._socket.ConnectAsync(address, cancellationToken);
            session._reading = Task.Run(session.ReadAsync, CancellationToken.None);
            return session;
        }

        public Task WaitForEvent(string method)
        {
            var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_awaited)
            {
                _awaited[method] = waiting;
            }

            return waiting.Task;
        }

        public async Task<JsonNode?> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
        {
            var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
            int id;
            lock (_pending)
            {
                id = ++_next;
                _pending[id] = reply;
            }

            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            return await reply.Task.WaitAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Abort();
            await ((Task)_reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[1 << 20];
            using var message = new MemoryStream();
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult received;
                try
                {
                    received = await _socket.ReceiveAsync(buffer, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException)
                {
                    return;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                Handle(node);
            }
        }

        private void Handle(JsonNode? node)
        {
            if (node?["id"] is { } idNode)
            {
                TaskCompletionSource<JsonNode?>? reply;
                lock (_pending)
                {
                    _pending.Remove(idNode.GetValue<int>(), out reply);
                }

                if (node["error"] is { } failed)
                {
                    reply?.TrySetException(new InvalidOperationException("DevTools: " + failed.ToJsonString()));
                }
                else
                {
                    reply?.TrySetResult(node["result"]);
                }

                return;
            }

            var method = node?["method"]?.GetValue<string>() ?? "";
            var parameters = node?["params"];
            var error = method switch
            {
                "Runtime.exceptionThrown" => "uncaught: " + parameters?["exceptionDetails"]?.ToJsonString(),
                "Runtime.consoleAPICalled" when parameters?["type"]?.GetValue<string>() is "error" or "assert" => "console.error: " + parameters["args"]?.ToJsonString(),
                "Log.entryAdded" when parameters?["entry"]?["level"]?.GetValue<string>() == "error" => "log: " + parameters["entry"]?["text"] + " " + parameters["entry"]?["url"],
                _ => null,
            };
            if (error is not null)
            {
                lock (_errors)
                {
                    _errors.Add(error);
                }
            }

            TaskCompletionSource? awaited;
            lock (_awaited)
            {
                _awaited.Remove(method, out awaited);
            }

            awaited?.TrySetResult();
        }
    }
}
