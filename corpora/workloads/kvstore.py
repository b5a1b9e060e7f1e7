"""An in-process key-value session store under a steady load: the 'key-value store' workload of the
shipped corpus. Standard library only. Fills 40,000 JSON session blobs and 10,000 user hashes, prints
STEADY, then serves 2,000 SET/HINCRBY-like operations per second on a hot subset, driven by the clock."""
import json, random, sys, time

random.seed(7)
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (Windows NT 10.0; Win64)", "curl/7.88.1", "okhttp/4.9"]
store, users = {}, {}


def session(n):
    return json.dumps({
        "id": "%032x" % random.getrandbits(128), "user": n % 10000, "ip": "10.%d.%d.%d" % tuple(random.randrange(256) for _ in range(3)),
        "agent": random.choice(AGENTS), "cart": [{"sku": random.randrange(10**6), "qty": random.randrange(1, 5),
                                                    "price": round(random.uniform(1, 300), 2)} for _ in range(random.randrange(0, 6))],
        "flags": random.getrandbits(16), "created": time.time()})


for n in range(40000):
    store["session:%d" % n] = session(n)
for u in range(10000):
    users["user:%d" % u] = {"visits": 0, "name": "user%05d" % u, "score": random.random() * 1000, "country": random.choice(["DE", "FR", "US", "JP", "BR"])}
print("STEADY kvstore sessions=%d users=%d" % (len(store), len(users)), flush=True)

rate = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
while True:
    start = time.monotonic()
    for _ in range(rate // 20):
        n = random.randrange(4000)  # a hot tenth of the sessions
        store["session:%d" % n] = session(n)
        users["user:%d" % random.randrange(10000)]["visits"] += 1
    time.sleep(max(0.0, 0.05 - (time.monotonic() - start)))
