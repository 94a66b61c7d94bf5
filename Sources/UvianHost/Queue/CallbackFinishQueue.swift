/// A queue that can finish a job from any thread, handing the reply to a callback on its own
/// thread (Redis: the pipeline's thread). See `CallbackFinishStore`.
package protocol CallbackFinishQueue: JobQueue {
    func finish(_ job: LeasedJob, workerId: String, as outcome: QueueFinish, leasingNext lease: Duration?,
                completion: @escaping @Sendable (Result<QueueFinishReply, any Error>) -> Void)
}
