// Every end-to-end test runs real servers (Kestrel, Garnet or redis-server, often whole processes).
[assembly: Xunit.AssemblyTrait(NoCertHub.Testing.TestSpeed.Name, NoCertHub.Testing.TestSpeed.Slow)]
