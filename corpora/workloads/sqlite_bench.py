"""An in-memory SQLite database under a TPC-B-like benchmark: the 'database' workload of the shipped
corpus. Standard library only. Creates branches, tellers, 100,000 accounts and a history table, prints
STEADY, then runs 300 transactions per second (update account, teller, branch; insert history)."""
import random, sqlite3, sys, time

random.seed(11)
db = sqlite3.connect(":memory:")
db.execute("PRAGMA cache_size=-32000")
db.executescript("""
create table branches(id integer primary key, balance integer, filler text);
create table tellers(id integer primary key, branch integer, balance integer, filler text);
create table accounts(id integer primary key, branch integer, balance integer, filler text);
create table history(teller integer, branch integer, account integer, delta integer, at real, filler text);
create index accounts_branch on accounts(branch);
""")
db.executemany("insert into branches values(?,?,?)", [(b, 0, "b" * 88) for b in range(10)])
db.executemany("insert into tellers values(?,?,?,?)", [(t, t % 10, 0, "t" * 84) for t in range(100)])
db.executemany("insert into accounts values(?,?,?,?)", [(a, a % 10, 0, "account %d %s" % (a, "x" * 60)) for a in range(100000)])
db.commit()
print("STEADY sqlite accounts=100000", flush=True)

tps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
while True:
    start = time.monotonic()
    for _ in range(tps // 10):
        a, t = random.randrange(100000), random.randrange(100)
        delta = random.randrange(-5000, 5000)
        db.execute("update accounts set balance = balance + ? where id = ?", (delta, a))
        db.execute("update tellers set balance = balance + ? where id = ?", (delta, t))
        db.execute("update branches set balance = balance + ? where id = ?", (delta, t % 10))
        db.execute("insert into history values(?,?,?,?,?,?)", (t, t % 10, a, delta, time.time(), "h" * 22))
        db.commit()
    time.sleep(max(0.0, 0.1 - (time.monotonic() - start)))
