import Foundation
import Logging

/// Takes jobs in from the API: checks the parameters once against the task type's schema (the job
/// carries which plugin generation checked them), creates the task's record and queues the job —
/// on the embedded backends in one transaction which, when the worker has a free slot, also leases
/// the job (or whatever a fetch would take instead) for the consumer to start at once.
struct Submitter: Sendable {
    let config: WorkerConfig
    let registry: PluginRegistry
    let queue: any JobQueue
    let store: any TaskStore
    let embedded: EmbeddedWrites?
    let consumer: JobConsumer
    let events: TaskEventPublisher

    /// Checks and queues a job. Returns the task and whether it is new (false: an existing task
    /// with the same idempotency key).
    func submit(taskType: String, parameters: JSONValue, options: JobOptions, id: String) async throws -> (TaskRecord, created: Bool) {
        let route = try check(taskType: taskType, parameters: parameters)
        let record = TaskRecord(id: id, queue: config.queueName, taskType: taskType, parameters: parameters, options: options)
        let job = NewJob(id: id, taskType: taskType, parametersJSON: parameters.serialized(), options: options,
                         checkedBy: ParameterCheck.checker(of: route))
        let (creation, leased) = try await createAndEnqueue(record, job)
        switch creation {
        case .existing(let existing):
            return (existing, false)
        case .created(let created):
            events.publish("task.pending", id: created.id, taskType: taskType,
                           data: ["run_at": created.runAt.map { .string(ISO8601.format($0)) } ?? .null],
                           conversationId: parameters["conversation_id"]?.stringValue)
            if let leased { consumer.startSubmitted(leased) }
            // The fetch loop has work unless this job is the one that started.
            if leased?.id != id { consumer.wake() }
            return (created, true)
        }
    }

    /// The plugin route of a task type whose schema accepts `parameters`; throws `SubmitError` otherwise.
    func check(taskType: String, parameters: JSONValue) throws(Worker.SubmitError) -> PluginRegistry.Route {
        guard let route = registry.route(taskType) else {
            throw Worker.SubmitError.unknownTaskType(taskType, available: registry.taskTypeNames)
        }
        if let schema = route.taskType.schema {
            let violations = schema.validate(parameters)
            guard violations.isEmpty else { throw Worker.SubmitError.invalidParameters(violations) }
        }
        return route
    }

    /// The record and the queued job: one transaction on the embedded backends (leasing the next
    /// job for a free slot, whose slot is then taken), else the store first (an existing task with
    /// the same idempotency key is returned, nothing queued).
    private func createAndEnqueue(_ record: TaskRecord, _ job: NewJob) async throws -> (TaskCreation, LeasedJob?) {
        if let embedded {
            guard consumer.reserveSlot() else { return try await embedded.createAndEnqueue(record, job: job) }
            let lease = EmbeddedWrites.Lease(workerId: config.workerId, excluding: consumer.fullTaskTypes(),
                                             duration: .seconds(config.leaseSeconds))
            do {
                let (creation, leased) = try await embedded.createAndEnqueue(record, job: job, lease: lease)
                if leased == nil { consumer.releaseSlot() }
                return (creation, leased)
            } catch {
                consumer.releaseSlot()
                throw error
            }
        }
        let creation = try await store.create(record)
        guard case .created = creation else { return (creation, nil) }
        do {
            try await queue.enqueue(job)
        } catch {
            // Never leave a pending task that no queue holds.
            try? await store.markFinished(id: record.id, status: .failed, result: nil, error: "could not be queued: \(error)", at: Date())
            throw error
        }
        return (creation, nil)
    }
}
