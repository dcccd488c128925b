// The README's "Behind a corporate proxy" example, verbatim from `import MoveworksSDK`
// to the end of this file (NetworkTests runs it through mitmdump and checks the README shows it).
import MoveworksSDK

// A client for a network where every request goes through the company's proxy,
// which inspects TLS with the company's own root certificate.
func corporateClient(assistantName: String, baseUrl: String, token: String,
                     proxyUrl: String, companyRoot: String) throws -> Client {
    MoveworksLogging.install()         // the SDK's log lines into os.Logger (standard error off Apple platforms)
    setLogLevel(level: .info)          // retry decisions; .debug: every attempt (or MOVEWORKS_LOG=debug)
    return try Client(config: ClientConfig(
        assistantName: assistantName,
        baseUrl: baseUrl,
        bearerToken: token,
        caCertificates: companyRoot,   // the proxy's root: a PEM file path or the PEM text
        proxy: proxyUrl))              // e.g. "http://user:password@proxy.corp:3128" (never printed or logged)
}
