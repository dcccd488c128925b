// `SwiftBench concurrency`: the Swift row of the concurrency benchmark
// (bench/concurrency/README.md, row `swift.sdk`): N streamed turns at once in one process,
// one child Task per turn in a task group, each a `for try await` loop over
// client.streamResponse(conversationId:text:) reading every event; every turn must end with
// RESPONSE_COMPLETED. Lag: a ticker Task on the same (cooperative) executor measures how late
// `Task.sleep` of 10 ms resumes. The last stdout line is one JSON object (the row), as
// bench/concurrency/py_clients.py prints, with this process's own CPU time (`cpu_s`,
// getrusage: bench/swift/run.sh, which runs it, is a wrapper); progress goes to stderr.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MoveworksSDK

/// A value shared between tasks, behind a lock (taken only in synchronous code).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func with<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// One turn: first event and turn end after the turn's own start (ms), and its events.
struct TurnTimes: Sendable {
    var first: Double
    var turn: Double
    var events: Int
}

func procStatus(_ key: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("\(key):") {
        return Int(line.dropFirst(key.count + 1).split(separator: " ").first ?? "") ?? 0
    }
    return 0
}

func jsonString(_ s: String) -> String {
    let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: " ")
    return "\"\(escaped)\""
}

func ms(_ x: Double) -> String { String(format: "%.2f", x) }

/// Takes the options as an argument rather than calling main.swift's `need` (see
/// Support.swift: calls into main.swift's top-level code crash Swift 6.0.3's debug build).
func concurrency(_ options: [String: String]) -> Never {
    func need(_ key: String) -> String {
        guard let v = options[key] else { fail("--\(key) is required") }
        return v
    }
    guard let n = Int(need("streams")), n > 0 else { fail("--streams must be a positive number") }
    guard let data = FileManager.default.contents(atPath: need("conversations")),
          let ids = (try? JSONSerialization.jsonObject(with: data)) as? [String], ids.count >= n
    else { fail("--conversations must name a JSON array of at least --streams ids") }
    let client: Client
    do {
        client = try Client(config: ClientConfig(assistantName: need("assistant"), baseUrl: need("base-url"),
                                                 bearerToken: need("token")))
    } catch {
        fail("\(error)")
    }
    let lags = Locked([Double]())
    let outcome = Locked<(results: [Result<TurnTimes, Error>], wall: Double, spread: Double)>(([], 0, 0))
    let done = DispatchSemaphore(value: 0)
    let turns = Array(ids.prefix(n))
    Task.detached {
        let ticker = Task.detached {
            while !Task.isCancelled {
                let t = monotonicNs()
                do { try await Task.sleep(nanoseconds: 10_000_000) } catch { break }
                lags.with { $0.append(Double(monotonicNs() - t) / 1e6 - 10) }
            }
        }
        try? await Task.sleep(nanoseconds: 100_000_000)
        let burst = monotonicNs()
        let lastStart = Locked<UInt64>(burst)
        let results = await withTaskGroup(of: Result<TurnTimes, Error>.self) { group in
            for conversation in turns {
                group.addTask {
                    let t0 = monotonicNs()
                    lastStart.with { $0 = max($0, t0) }
                    var first: UInt64 = 0
                    var events = 0
                    var last: StreamEvent?
                    do {
                        for try await event in client.streamResponse(conversationId: conversation,
                                                                     text: "concurrency benchmark") {
                            if first == 0 { first = monotonicNs() }
                            events += 1
                            last = event
                        }
                        guard case .responseCompleted = last else {
                            throw NSError(domain: "bench", code: 1, userInfo: [
                                NSLocalizedDescriptionKey: "the turn ended with \(last?.eventName ?? "no event")",
                            ])
                        }
                        let end = monotonicNs()
                        return .success(TurnTimes(first: Double(first - t0) / 1e6, turn: Double(end - t0) / 1e6,
                                                  events: events))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<TurnTimes, Error>] = []
            for await r in group { all.append(r) }
            return all
        }
        let wall = Double(monotonicNs() - burst) / 1e9
        let spread = Double(lastStart.with { $0 } - burst) / 1e6
        ticker.cancel()
        _ = await ticker.result
        outcome.with { $0 = (results, wall, spread) }
        done.signal()
    }
    done.wait()
    let (results, wall, spread) = outcome.with { $0 }
    var firsts: [Double] = []
    var times: [Double] = []
    var events = 0
    var errors: [String] = []
    for r in results {
        switch r {
        case .success(let t):
            firsts.append(t.first)
            times.append(t.turn)
            events += t.events
        case .failure(let e):
            errors.append("\(type(of: e)): \(e)")
        }
    }
    let sortedLags = lags.with { $0 }.sorted()
    let lagMax = sortedLags.last ?? 0
    let lagP99 = sortedLags.isEmpty ? 0 : sortedLags[Int(Double(sortedLags.count - 1) * 0.99)]
    FileHandle.standardError.write(Data("swift.sdk x\(n): \(errors.count) errors, wall \(String(format: "%.3f", wall)) s\n".utf8))
    var row = "{\"id\":\"swift.sdk\",\"streams\":\(n)"
    row += ",\"first_event_ms\":[\(firsts.map(ms).joined(separator: ","))]"
    row += ",\"turn_ms\":[\(times.map(ms).joined(separator: ","))]"
    row += ",\"start_spread_ms\":\(ms(spread)),\"lag_max_ms\":\(ms(lagMax)),\"lag_p99_ms\":\(ms(lagP99))"
    row += ",\"errors\":\(errors.count),\"error_samples\":[\(errors.prefix(5).map(jsonString).joined(separator: ","))]"
    row += ",\"events\":\(events),\"wall_s\":\(String(format: "%.3f", wall))"
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    row += ",\"peak_rss_kb\":\(procStatus("VmHWM")),\"threads_at_end\":\(procStatus("Threads"))"
    row += ",\"cpu_s\":\(String(format: "%.3f", cpu))}"
    print(row)
    exit(0)
}
