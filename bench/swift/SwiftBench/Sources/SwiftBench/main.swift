// swift.sdk latency and swift.sdk.stream (bench/PROTOCOL.md), and the Swift row of the
// concurrency benchmark (bench/concurrency/README.md):
//   SwiftBench latency|stream --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N]
//   SwiftBench concurrency --base-url URL --token T --assistant N --conversations FILE --streams N
// `stream`: the time from the simulator writing a streamed answer's first RESPONSE_OUTPUT_DELTA
// (GET /_sim/stream_marks, CLOCK_MONOTONIC) to a `for try await` loop over
// client.streamResponse(conversationId:text:) receiving it (clock_gettime(CLOCK_MONOTONIC));
// leaving the loop abandons the turn.
// Progress goes to stderr; the last stdout line is {"rows": [...]}. Every decoded
// result is checked (conversationId); any failure exits non-zero.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import MoveworksSDK

let argv = CommandLine.arguments
guard argv.count >= 2, ["latency", "stream", "concurrency"].contains(argv[1]) else {
    fail("usage: latency|stream --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N]"
        + " | concurrency --base-url URL --token T --assistant N --conversations FILE --streams N")
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
if argv[1] == "concurrency" { concurrency(options) }
let warmup = Int(options["warmup"] ?? "1000") ?? 1000
let iterations = Int(options["iterations"] ?? "5000") ?? 5000
let conversationId = need("conversation")

/// One streamed turn read with `for try await` up to its first RESPONSE_OUTPUT_DELTA: (response id, receipt time).
func firstDelta(_ client: Client, _ conversationId: String) async throws -> (String, UInt64) {
    var responseId: String?
    for try await event in client.streamResponse(conversationId: conversationId, text: "benchmark: first delta") {
        switch event {
        case .responseCreated(_, let id, _, _, _):
            responseId = id
        case .responseOutputDelta(_, let id, _, _):
            let at = monotonicNs()
            guard let rid = id ?? responseId else { fail("no response id before the first delta") }
            return (rid, at) // leaving the loop releases the stream and its connection
        default:
            break
        }
    }
    fail("the stream ended without a RESPONSE_OUTPUT_DELTA")
}

func streamMarks(_ baseUrl: String) -> [String: UInt64] {
    guard let base = URL(string: baseUrl), let scheme = base.scheme, let host = base.host,
          let url = URL(string: "\(scheme)://\(host)\(base.port.map { ":\($0)" } ?? "")/_sim/stream_marks")
    else { fail("bad base URL \(baseUrl)") }
    let done = DispatchSemaphore(value: 0)
    var body: Data?
    URLSession.shared.dataTask(with: url) { data, _, _ in
        body = data
        done.signal()
    }.resume()
    done.wait()
    guard let data = body, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        fail("GET /_sim/stream_marks failed")
    }
    return object.compactMapValues { ($0 as? NSNumber)?.uint64Value }
}

if argv[1] == "stream" {
    let config = ClientConfig(assistantName: need("assistant"), baseUrl: need("base-url"), bearerToken: need("token"))
    let baseUrl = need("base-url")
    let done = DispatchSemaphore(value: 0)
    var received: [(String, UInt64)] = []
    var failure: Error?
    Task.detached { [warmup, iterations, conversationId] in
        do {
            let client = try Client(config: config)
            for _ in 0..<warmup { _ = try await firstDelta(client, conversationId) }
            var got: [(String, UInt64)] = []
            for _ in 0..<iterations { got.append(try await firstDelta(client, conversationId)) }
            received = got
        } catch {
            failure = error
        }
        done.signal()
    }
    done.wait()
    if let failure { fail("\(failure)") }
    let marks = streamMarks(baseUrl)
    let samples: [UInt64] = received.map { rid, at in
        guard let mark = marks[rid] else { fail("no stream mark for \(rid)") }
        guard at >= mark else { fail("\(rid): received before the stream mark") }
        return at - mark
    }
    let median = Double(samples.sorted()[samples.count / 2]) / 1000
    FileHandle.standardError.write(Data("swift.sdk.stream: median \(median) us over \(iterations) turns\n".utf8))
    print("{\"rows\": [{\"id\": \"swift.sdk.stream\", \"samples_ns\": [\(samples.map(String.init).joined(separator: ","))]}]}")
    exit(0)
}

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
