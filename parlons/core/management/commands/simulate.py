"""``parlons simulate``: the Meta platforms on this machine, for demos, tests and benchmarks.

``parlons simulate graph`` runs the fake Graph API (point PARLONS_META_GRAPH_URL at the printed URL);
``parlons simulate traffic --url http://127.0.0.1:8000/webhooks/meta`` posts signed EN/FR deliveries
(comments, messages with images and PDFs, WhatsApp messages, duplicates, bursts) to a running Parlons;
``parlons simulate fail --status 429 --retry-after 30`` tells a running simulator to fail its next calls;
``parlons simulate x`` runs the X API simulator and ``parlons simulate x-traffic`` posts signed X deliveries."""

from __future__ import annotations

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Simulate Meta's Graph API and webhook traffic on this machine."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        graph = sub.add_parser("graph", help="Run the Graph API simulator until stopped.")
        graph.add_argument("--host", default="127.0.0.1")
        graph.add_argument("--port", type=int, default=8765)
        graph.add_argument("--token", default="", help="Access token the simulator requires (default: any).")
        graph.add_argument("--delay", type=float, default=0.0, help="Seconds to wait before each answer.")
        gen = sub.add_parser("traffic", help="Post signed webhook deliveries to a running Parlons.")
        gen.add_argument("--url", default="http://127.0.0.1:8000/webhooks/meta")
        gen.add_argument("--secret", default="", help="App secret (default: PARLONS_META_APP_SECRET).")
        gen.add_argument("--count", type=int, default=20)
        gen.add_argument("--duplicates", type=float, default=0.1, help="Share of deliveries sent twice.")
        gen.add_argument("--burst", type=int, default=1, help="Deliveries per burst (with --pause between).")
        gen.add_argument("--pause", type=float, default=0.0)
        gen.add_argument("--page-id", default="100000000000001")
        gen.add_argument("--phone-id", default="100000000000002")
        gen.add_argument("--seed", type=int, default=1)
        gen.add_argument(
            "--graph",
            default="",
            help="URL of a running Graph simulator that hosts the images and PDFs sent.",
        )
        fail = sub.add_parser("fail", help="Make a running Graph simulator fail its next calls.")
        fail.add_argument("--simulator", default="http://127.0.0.1:8765")
        fail.add_argument("--status", type=int, default=500)
        fail.add_argument("--count", type=int, default=1)
        fail.add_argument("--retry-after", default="")
        # X (issue 6): the X API v2 simulator and signed X webhook deliveries.
        xsim = sub.add_parser("x", help="Run the X API v2 simulator until stopped (PARLONS_X_API_URL).")
        xsim.add_argument("--host", default="127.0.0.1")
        xsim.add_argument("--port", type=int, default=8766)
        xsim.add_argument("--token", default="", help="Bearer token the simulator requires (default: any).")
        xsim.add_argument("--account-id", default="1111111111111111111")
        xgen = sub.add_parser("x-traffic", help="Post signed X deliveries (both webhook formats) to Parlons.")
        xgen.add_argument("--url", default="http://127.0.0.1:8000/webhooks/x")
        xgen.add_argument("--secret", default="", help="Consumer secret (default: PARLONS_X_CONSUMER_SECRET)")
        xgen.add_argument("--count", type=int, default=20)
        xgen.add_argument("--duplicates", type=float, default=0.1)
        xgen.add_argument("--pause", type=float, default=0.0)
        xgen.add_argument("--account-id", default="1111111111111111111")
        xgen.add_argument("--seed", type=int, default=1)

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _graph(self, *, host, port, token, delay, **_):
        from parlons.simulator.graph import GraphSimulator

        sim = GraphSimulator(host, port, token=token)
        sim.delay = delay
        sim.start()
        self.stdout.write(
            f"Graph API simulator on {sim.graph_url} (requests: {sim.url}/_sim/requests). Ctrl+C stops."
        )
        self.stdout.flush()
        try:
            assert sim._thread is not None
            sim._thread.join()
        except KeyboardInterrupt:
            sim.stop()

    def _traffic(self, *, url, secret, count, duplicates, burst, pause, page_id, phone_id, seed, graph, **_):
        from parlons.simulator.graph import RemoteSimulator
        from parlons.simulator.traffic import Traffic

        secret = secret or settings.PARLONS_META_APP_SECRET
        if not secret:
            raise CommandError("Give --secret or set PARLONS_META_APP_SECRET.")
        gen = Traffic(
            page_id=page_id, phone_id=phone_id, seed=seed, graph=RemoteSimulator(graph) if graph else None
        )
        try:
            statuses, seconds = gen.run(
                url, secret, count=count, duplicates=duplicates, burst=max(1, burst), pause=pause
            )
        except httpx.HTTPError as exc:
            raise CommandError(f"Cannot reach {url}: {exc}")
        summary = ", ".join(f"HTTP {k}: {v}" for k, v in sorted(statuses.items()))
        self.stdout.write(f"Posted {sum(statuses.values())} deliveries in {seconds:.2f} s ({summary}).")

    def _fail(self, *, simulator, status, count, retry_after, **_):
        payload = {"status": status, "count": count, "retry_after": retry_after}
        response = httpx.post(f"{simulator.rstrip('/')}/_sim/fail", json=payload, timeout=10)
        self.stdout.write(response.text)

    def _x(self, *, host, port, token, account_id, **_):
        from parlons.simulator.x import XSimulator

        sim = XSimulator(host, port, token=token, account_id=account_id)
        sim.start()
        self.stdout.write(f"X API simulator on {sim.url} (requests: {sim.url}/_sim/requests). Ctrl+C stops.")
        self.stdout.flush()
        try:
            assert sim._thread is not None
            sim._thread.join()
        except KeyboardInterrupt:
            sim.stop()

    def _x_traffic(self, *, url, secret, count, duplicates, pause, account_id, seed, **_):
        from parlons.simulator.x import XTraffic

        secret = secret or settings.PARLONS_X_CONSUMER_SECRET
        if not secret:
            raise CommandError("Give --secret or set PARLONS_X_CONSUMER_SECRET.")
        try:
            statuses, seconds = XTraffic(account_id=account_id, seed=seed).run(
                url, secret, count=count, duplicates=duplicates, pause=pause
            )
        except httpx.HTTPError as exc:
            raise CommandError(f"Cannot reach {url}: {exc}")
        summary = ", ".join(f"HTTP {k}: {v}" for k, v in sorted(statuses.items()))
        self.stdout.write(f"Posted {sum(statuses.values())} X deliveries in {seconds:.2f} s ({summary}).")
