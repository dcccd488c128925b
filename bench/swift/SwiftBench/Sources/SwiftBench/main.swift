// swift.sdk latency (bench/PROTOCOL.md):
//   SwiftBench latency --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N]
// Progress goes to stderr; the last stdout line is {"rows": [...]}. Every decoded
// result is checked (conversationId); any failure exits non-zero.
import Foundation
import MoveworksSDK

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("swift bench: FAILED: \(message)\n".utf8))
    exit(1)
}

let argv = CommandLine.arguments
guard argv.count >= 2, argv[1] == "latency" else {
    fail("usage: latency --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N]")
}
var options: [String: String] = [:]
var i = 2
while i < argv.count {
    guard argv[i].hasPrefix("--"), i + 1 < argv.count else { fail("bad option \(argv[i])") }
    options[String(argv[i].dropFirst(2))] = argv[i + 1]
    i += 2
}
func need(_ key: String) -> String {
    guard let v = options[key] else { fail("--\(key) is required") }
    return v
}
let warmup = Int(options["warmup"] ?? "1000") ?? 1000
let iterations = Int(options["iterations"] ?? "5000") ?? 5000
let conversationId = need("conversation")

do {
    let client = try Client(config: ClientConfig(assistantName: need("assistant"), baseUrl: need("base-url"),
                                                 bearerToken: need("token")))
    func call() throws {
        let got = try client.getConversation(conversationId: conversationId).conversationId
        if got != conversationId { fail("got conversation id \(got), want \(conversationId)") }
    }
    for _ in 0..<warmup { try call() }
    var samples = [UInt64](repeating: 0, count: iterations)
    for n in 0..<iterations {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try call()
        samples[n] = DispatchTime.now().uptimeNanoseconds - t0
    }
    samples.sort()
    let median = Double(samples[samples.count / 2]) / 1000
    FileHandle.standardError.write(Data("swift.sdk: median \(median) us over \(iterations) calls\n".utf8))
    print("{\"rows\": [{\"id\": \"swift.sdk\", \"samples_ns\": [\(samples.map(String.init).joined(separator: ","))]}]}")
} catch {
    fail("\(error)")
}
