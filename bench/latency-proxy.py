#!/usr/bin/env python3
"""latency-proxy.py: a TCP proxy on 127.0.0.1 that adds latency.

    latency-proxy.py --target PORT --delay MS [--port PORT] [--port-file F]

Listens on 127.0.0.1 (PORT, or a free port written to F), and forwards every
connection to 127.0.0.1:TARGET, both ways.  Each chunk read on one side is
written to the other side DELAY milliseconds after it arrived, in order, so a
round trip through the proxy costs 2 * DELAY more than without it.  The
bandwidth is not limited.  An end of stream is passed on after the data
before it, with the same delay.  Exits on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import os
import signal
import socket
import sys


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk delay seconds after it arrived."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def receive():
        try:
            while True:
                data = await reader.read(65536)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time() + delay, b""))

    async def send():
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    receiver = asyncio.ensure_future(receive())
    try:
        await send()
    finally:
        receiver.cancel()


async def handle(client_reader, client_writer, target, delay):
    try:
        server_reader, server_writer = await asyncio.open_connection(
            "127.0.0.1", target)
    except OSError:
        client_writer.close()
        return
    nodelay(client_writer)
    nodelay(server_writer)
    try:
        await asyncio.gather(
            pump(client_reader, server_writer, delay),
            pump(server_reader, client_writer, delay))
    finally:
        for w in (client_writer, server_writer):
            w.close()


async def main_async(args):
    delay = args.delay / 1000.0
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.target, delay),
        "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main():
    p = argparse.ArgumentParser(description="TCP proxy adding latency")
    p.add_argument("--target", type=int, required=True,
                   help="port on 127.0.0.1 to forward to")
    p.add_argument("--delay", type=float, required=True,
                   help="one-way delay in milliseconds")
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on (default: a free one)")
    p.add_argument("--port-file", help="write the port to this file")
    asyncio.run(main_async(p.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
