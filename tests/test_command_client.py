"""A `command` client on `kmesos dev`, as a user writes one: its URIs are
fetched and unpacked into the sandbox, its line runs with the cluster's
bootstrap servers and topic in its environment, and what it produces with a
standard tool (kcat) is read back with confluent-kafka; `kmesos client log`
shows what it printed. Killing the command relaunches it."""

import os
import signal
import tarfile

from devcluster import ONE_BROKER, DevCluster, processes
from kafka_clients import consume_partition

GREET = """#!/bin/sh
printf 'hello from %s\\n' "$KAFKA_TOPIC" one two | kcat -P -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$KAFKA_TOPIC" -p 0
echo "greeted $KAFKA_TOPIC at $KAFKA_BOOTSTRAP_SERVERS"
echo "nothing went wrong" >&2
exec sleep 3600
"""


def test_a_command_client_fetches_its_uris_and_produces_with_the_clusters_servers(tmp_path):
    bundle = tmp_path / "greeter.tgz"
    script = tmp_path / "greet.sh"
    script.write_text(GREET)
    with tarfile.open(bundle, "w:gz") as archive:
        archive.add(script, arcname="greet.sh")
    config = tmp_path / "solo"
    config.mkdir()
    client = f'''
  topic "greetings" {{
    partitions = 1
  }}
  client "greeter" {{
    kind    = "command"
    topic   = "greetings"
    uris    = ["{bundle}"]
    command = "sh greet.sh"
  }}
}}
'''
    # The one small broker, with the topic and the client in its cluster.
    (config / "main.kmesos.hcl").write_text(ONE_BROKER.rstrip().removesuffix("}") + client)
    (tmp_path / "dev").mkdir()
    with DevCluster(tmp_path / "dev", apply=config, agents=1) as dev:
        dev.wait_output("Apply complete! 4 created", timeout=240)
        broker = dev.wait_running(1)[0]
        got = consume_partition(broker.addr, "greetings", 0, 3)
        assert got == ["hello from greetings", "hello from one", "hello from two"], got
        said = dev.kmesos("client", "log", "greeter").stdout
        assert f"greeted greetings at {broker.addr}" in said.splitlines(), said
        assert dev.kmesos("client", "log", "greeter", "--stderr").stdout.splitlines()[-1:] == ["nothing went wrong"]
        missing = dev.kmesos("client", "log", "greeter", "--instance", "7", check=False)
        assert missing.returncode != 0 and "instance 7 of client greeter" in missing.stderr, missing.stderr

        def greeters():
            return [pid for pid, argv, _ in processes() if argv[:2] == [b"sleep", b"3600"]
                    and str(tmp_path).encode() in os.readlink(f"/proc/{pid}/cwd").encode()]

        [first] = dev.wait_for(greeters, 60, "the command's process")
        os.kill(first, signal.SIGKILL)
        # Relaunched under the failover rules (30 s delay by default): it
        # produces its greeting again.
        again = dev.wait_for(lambda: (lambda g: g if len(g) >= 6 else None)(
            consume_partition(broker.addr, "greetings", 0, 6, polls=20)), 150, "the relaunched command's messages")
        assert again[3:] == got, again
