#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""idle.py - idle TCP connections for natd's benchmark (tests/bench/run.sh).

  idle.py server ADDR PORT [MAX_SECONDS]
      accept connections and hold them open (reading until EOF) for at most
      MAX_SECONDS (default 900), then exit.
  idle.py client ADDR PORT N [MAX_SECONDS]
      open N connections (at most 64 connecting at a time, 30 s per connect),
      print "opened K failed F" on one line, then hold them open until
      killed or MAX_SECONDS (default 120) have passed.

Bounded in count and time; talks only to the address it is given.
"""
import asyncio
import resource
import sys


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def server(addr, port, max_s):
    async def handle(reader, writer):
        try:
            while await reader.read(4096):
                pass
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, addr, port, backlog=4096)
    print("listening", flush=True)
    async with srv:
        await asyncio.sleep(max_s)


async def client(addr, port, n, max_s):
    sem = asyncio.Semaphore(64)
    conns = []
    failed = 0

    async def one():
        nonlocal failed
        async with sem:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection(addr, port), 30)
                conns.append(w)
            except (OSError, asyncio.TimeoutError):
                failed += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), max_s)
    except asyncio.TimeoutError:
        pass
    print(f"opened {len(conns)} failed {failed}", flush=True)
    await asyncio.sleep(max_s)


def main():
    raise_nofile()
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "server":
        max_s = float(sys.argv[4]) if len(sys.argv) > 4 else 900
        asyncio.run(server(addr, port, max_s))
    elif mode == "client":
        n = int(sys.argv[4])
        max_s = float(sys.argv[5]) if len(sys.argv) > 5 else 120
        asyncio.run(client(addr, port, n, max_s))
    else:
        sys.exit("usage: idle.py server|client ADDR PORT ...")


if __name__ == "__main__":
    main()
