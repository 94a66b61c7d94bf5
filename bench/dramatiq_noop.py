"""The Dramatiq peer of the drain benchmark (bench/redis_bench.py, drain_dramatiq).

A no-op actor, like bench/plugins/noop.c, on Dramatiq's Redis broker at UVW_BENCH_REDIS_URL. The
harness imports it to send the messages; `python3 -m dramatiq dramatiq_noop --processes 2
--threads 8` (cwd bench/) runs the workers.
"""
import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

dramatiq.set_broker(RedisBroker(url=os.environ["UVW_BENCH_REDIS_URL"]))


@dramatiq.actor(queue_name="default", max_retries=0)
def noop(**params):
    return None
