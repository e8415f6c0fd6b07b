#!/usr/bin/env python3
"""Build a service-like heap from what is installed, then dump it with the
project's dumper (python/meliae_dump.py, imported by path).

The heap is what a web service keeps in memory between requests: for every
"tenant" a window of recent requests with their JSON payloads and XML
documents, dataclass orders with Decimal prices and datetimes, log records,
sqlite3 rows, compiled patterns and match objects, collections (deque,
OrderedDict, defaultdict, Counter, namedtuples), and, where the packages are
importable, Django model instances and evaluated querysets (settings
configured in this process, sqlite in memory), SQLAlchemy ORM objects held
by a session's identity map (sqlite in memory), pandas frames with object
columns, and pydantic models. A missing package is skipped.

Batches are added until the dump holds about --objects objects (the count
per batch is measured on the first few batches by walking the heap).

Usage: python3 bench/real_heap.py OUT [--objects 2000000] [--seed 1]
         [--dumper PATH] [--quiet]

OUT must not exist (the dumper never overwrites). The last line printed is
one JSON object: {"file", "objects", "bytes", "batches", "packages",
"secondsBuild", "secondsDump"}.
"""

import argparse
import collections
import dataclasses
import datetime
import decimal
import importlib.util
import io
import json
import logging
import os
import random
import re
import sqlite3
import sys
import time
import uuid
import weakref
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DUMPER = os.path.join(os.path.dirname(HERE), 'python', 'meliae_dump.py')

WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november '
         'oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu '
         'café naïve straße 東京 서울 القاهرة emoji😀 über résumé').split()
CURRENCIES = ('EUR', 'USD', 'GBP', 'JPY', 'CHF')
STATUSES = ('new', 'paid', 'shipped', 'delivered', 'refunded')


def load_dumper(path):
    spec = importlib.util.spec_from_file_location('bench_meliae_dump', path)
    if spec is None or spec.loader is None:
        raise SystemExit(f'real_heap: cannot import the dumper at {path}')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ standard library

@dataclasses.dataclass
class LineItem:
    sku: str
    quantity: int
    price: decimal.Decimal
    tags: list


@dataclasses.dataclass
class Order:
    id: uuid.UUID
    customer: str
    created: datetime.datetime
    status: str
    currency: str
    items: list
    total: decimal.Decimal = decimal.Decimal(0)
    notes: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    postcode: str
    country: str


Point = collections.namedtuple('Point', 'lat lon label')


class Session:
    """A user session as a framework keeps it: attributes in a __dict__."""

    def __init__(self, rng, tenant):
        self.id = uuid.UUID(int=rng.getrandbits(128))
        self.tenant = tenant
        self.user = rng.choice(WORDS) + str(rng.randrange(100000))
        self.started = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=rng.randrange(10**7))
        self.data = {'cart': [rng.randrange(1000) for _ in range(rng.randrange(8))], 'locale': rng.choice(('en', 'fr', 'de', 'ja'))}
        self.history = collections.deque(maxlen=32)
        self.on_close = self.close

    def close(self):
        self.history.clear()


class KeepRecords(logging.Handler):
    """A handler that keeps the last records, as a debug buffer does."""

    def __init__(self, capacity):
        super().__init__()
        self.records = collections.deque(maxlen=capacity)

    def emit(self, record):
        self.records.append(record)


PATTERNS = [re.compile(p) for p in (
    r'^/api/v(\d+)/(\w+)/(\d+)$', r'(?P<user>\w+)@(?P<host>[\w.]+)', r'\b\d{4}-\d{2}-\d{2}\b',
    r'(?i)error|warn(ing)?', r'[A-Z]{3}\d{6}', r'^(GET|POST|PUT|DELETE) (\S+) HTTP/1\.[01]$',
)]


def word(rng):
    return rng.choice(WORDS)


def sentence(rng, n):
    return ' '.join(rng.choice(WORDS) for _ in range(n))


def json_payload(rng):
    text = json.dumps({
        'id': rng.randrange(10**9),
        'user': {'name': sentence(rng, 2), 'email': f'{word(rng)}{rng.randrange(999)}@example.org',
                 'roles': [word(rng) for _ in range(rng.randrange(1, 4))], 'active': rng.random() < 0.9},
        'items': [{'sku': f'SKU{rng.randrange(10**6):06d}', 'qty': rng.randrange(1, 9),
                   'price': round(rng.random() * 200, 2), 'meta': {'color': word(rng), 'size': rng.choice('SML')}}
                  for _ in range(rng.randrange(1, 6))],
        'comment': sentence(rng, rng.randrange(3, 30)),
        'score': rng.random(),
        'flags': None,
    })
    return json.loads(text)


def xml_document(rng):
    items = ''.join(
        f'<item id="{rng.randrange(10**6)}" kind="{word(rng)}"><name>{sentence(rng, 3)}</name>'
        f'<price currency="{rng.choice(CURRENCIES)}">{rng.random() * 100:.2f}</price></item>'
        for _ in range(rng.randrange(2, 8)))
    return ET.fromstring(f'<catalog version="2" tenant="{word(rng)}">{items}</catalog>')


def order(rng, tenant):
    items = [LineItem(f'SKU{rng.randrange(10**6):06d}', rng.randrange(1, 5),
                      decimal.Decimal(rng.randrange(100, 100000)) / 100, [word(rng) for _ in range(rng.randrange(3))])
             for _ in range(rng.randrange(1, 5))]
    result = Order(uuid.UUID(int=rng.getrandbits(128)), f'{tenant}:{word(rng)}',
                   datetime.datetime(2026, 3, 1) + datetime.timedelta(minutes=rng.randrange(10**6)),
                   rng.choice(STATUSES), rng.choice(CURRENCIES), items)
    result.total = sum((item.price * item.quantity for item in items), decimal.Decimal(0))
    result.notes['address'] = Address(f'{rng.randrange(1, 300)} {word(rng)} street', word(rng), f'{rng.randrange(10**5):05d}', rng.choice(('FR', 'DE', 'JP', 'US')))
    result.notes['where'] = Point(rng.uniform(-90, 90), rng.uniform(-180, 180), word(rng))
    return result


class Stdlib:
    name = 'stdlib'

    def __init__(self, rng):
        self.db = sqlite3.connect(':memory:')
        self.db.row_factory = sqlite3.Row
        self.db.execute('create table events (id integer primary key, tenant text, kind text, at text, amount real, body text)')
        self.logger = logging.getLogger('bench.service')
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.handler = KeepRecords(10**9)
        self.logger.addHandler(self.handler)
        self.rng = rng

    def batch(self, tenant):
        rng = self.rng
        state = {}
        state['payloads'] = [json_payload(rng) for _ in range(12)]
        state['documents'] = [xml_document(rng) for _ in range(2)]
        state['orders'] = {o.id: o for o in (order(rng, tenant) for _ in range(8))}
        sessions = [Session(rng, tenant) for _ in range(6)]
        for s in sessions:
            s.history.extend(f'/api/v2/{word(rng)}/{rng.randrange(1000)}' for _ in range(rng.randrange(10)))
        state['sessions'] = weakref.WeakValueDictionary({s.id: s for s in sessions})
        state['strong_sessions'] = sessions
        for _ in range(10):
            self.logger.info('request %s %s took %.3f ms', rng.choice(('GET', 'POST')), f'/api/v1/{word(rng)}/{rng.randrange(999)}', rng.random() * 50,
                             extra={'tenant': tenant, 'request_id': uuid.UUID(int=rng.getrandbits(128)).hex})
        rows = [(None, tenant, word(rng), datetime.datetime(2026, 5, 1).isoformat(), rng.random() * 1000, sentence(rng, 6)) for _ in range(20)]
        self.db.executemany('insert into events values (?, ?, ?, ?, ?, ?)', rows)
        state['rows'] = self.db.execute('select * from events where tenant = ? order by id desc limit 20', (tenant,)).fetchall()
        lines = [f'GET /api/v1/{word(rng)}/{rng.randrange(99)} HTTP/1.1' for _ in range(6)] + [f'{word(rng)}@{word(rng)}.example' for _ in range(4)]
        state['matches'] = [m for line in lines for p in PATTERNS if (m := p.search(line)) is not None]
        counts = collections.Counter(word(rng) for _ in range(40))
        by_kind = collections.defaultdict(list)
        for payload in state['payloads']:
            by_kind[payload['user']['roles'][0]].append(payload['id'])
        recent = collections.OrderedDict((rng.randrange(10**6), sentence(rng, 2)) for _ in range(10))
        state['collections'] = (counts, by_kind, recent, frozenset(counts), set(by_kind))
        state['blobs'] = [os.urandom(rng.randrange(16, 200)) for _ in range(4)] + [bytearray(rng.randrange(8, 64))]
        state['callbacks'] = [(lambda x, k=k: x + k) for k in range(3)] + [s.close for s in sessions[:2]]
        return state


# ------------------------------------------------------------------ packages

class DjangoPart:
    name = 'django'

    def __init__(self, rng):
        import django
        from django.conf import settings
        if not settings.configured:
            settings.configure(
                DEBUG=False, USE_TZ=True, SECRET_KEY='bench', DEFAULT_AUTO_FIELD='django.db.models.AutoField',
                DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}},
                INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth'],
            )
            django.setup()
        from django.db import connection, models

        class Customer(models.Model):
            name = models.CharField(max_length=100)
            email = models.EmailField()
            joined = models.DateTimeField()
            plan = models.CharField(max_length=20)

            class Meta:
                app_label = 'benchshop'

        class Purchase(models.Model):
            customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name='purchases')
            amount = models.DecimalField(max_digits=10, decimal_places=2)
            status = models.CharField(max_length=20)
            note = models.TextField(blank=True)
            created = models.DateTimeField()

            class Meta:
                app_label = 'benchshop'

        with connection.schema_editor() as editor:
            editor.create_model(Customer)
            editor.create_model(Purchase)
        self.Customer, self.Purchase = Customer, Purchase
        self.rng = rng
        self.version = django.get_version()

    def batch(self, tenant):
        rng = self.rng
        now = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
        customers = self.Customer.objects.bulk_create([
            self.Customer(name=f'{tenant} {sentence(rng, 2)}', email=f'{word(rng)}@example.com', joined=now, plan=rng.choice(('free', 'pro')))
            for _ in range(5)])
        self.Purchase.objects.bulk_create([
            self.Purchase(customer=c, amount=decimal.Decimal(rng.randrange(100, 99999)) / 100, status=rng.choice(STATUSES),
                          note=sentence(rng, 5), created=now + datetime.timedelta(hours=rng.randrange(1000)))
            for c in customers for _ in range(3)])
        names = [c.name for c in customers]
        # Evaluated querysets keep their result cache.
        purchases = self.Purchase.objects.select_related('customer').filter(customer__name__in=names)
        list(purchases)
        with_purchases = self.Customer.objects.filter(name__in=names).prefetch_related('purchases')
        list(with_purchases)
        return {'purchases': purchases, 'customers': with_purchases}


class SqlAlchemyPart:
    name = 'sqlalchemy'

    def __init__(self, rng):
        import sqlalchemy
        from sqlalchemy import ForeignKey, String, create_engine
        from sqlalchemy.orm import DeclarativeBase, Mapped, Session as OrmSession, mapped_column, relationship

        class Base(DeclarativeBase):
            pass

        class Account(Base):
            __tablename__ = 'accounts'
            id: Mapped[int] = mapped_column(primary_key=True)
            tenant: Mapped[str] = mapped_column(String(40))
            name: Mapped[str] = mapped_column(String(100))
            balance: Mapped[float]
            entries: Mapped[list['Entry']] = relationship(back_populates='account')

        class Entry(Base):
            __tablename__ = 'entries'
            id: Mapped[int] = mapped_column(primary_key=True)
            account_id: Mapped[int] = mapped_column(ForeignKey('accounts.id'))
            label: Mapped[str] = mapped_column(String(200))
            amount: Mapped[float]
            account: Mapped[Account] = relationship(back_populates='entries')

        self.engine = create_engine('sqlite://')
        Base.metadata.create_all(self.engine)
        # One long-lived session: its identity map keeps every object loaded.
        self.session = OrmSession(self.engine, expire_on_commit=False)
        self.Account, self.Entry = Account, Entry
        self.rng = rng
        self.version = sqlalchemy.__version__

    def batch(self, tenant):
        rng = self.rng
        accounts = [self.Account(tenant=tenant, name=sentence(rng, 2), balance=rng.random() * 1e4) for _ in range(4)]
        for account in accounts:
            account.entries = [self.Entry(label=sentence(rng, 4), amount=rng.random() * 100) for _ in range(4)]
        self.session.add_all(accounts)
        self.session.commit()
        return {'accounts': accounts}


class PandasPart:
    name = 'pandas'

    def __init__(self, rng):
        import pandas
        self.pd = pandas
        self.rng = rng
        self.version = pandas.__version__

    def batch(self, tenant):
        rng = self.rng
        n = 30
        frame = self.pd.DataFrame({
            'tenant': [tenant] * n,
            'path': [f'/api/v1/{word(rng)}/{rng.randrange(99)}' for _ in range(n)],
            'status': [rng.choice((200, 200, 200, 404, 500)) for _ in range(n)],
            'ms': [rng.random() * 80 for _ in range(n)],
            'agent': [sentence(rng, 3) for _ in range(n)],
        })
        return {'frame': frame, 'by_status': frame.groupby('status')['ms'].mean()}


class PydanticPart:
    name = 'pydantic'

    def __init__(self, rng):
        import pydantic
        from pydantic import BaseModel

        class Tag(BaseModel):
            name: str
            weight: float = 1.0

        class Profile(BaseModel):
            user_id: int
            display: str
            email: str
            tags: list[Tag] = []
            settings: dict[str, str] = {}
            created: datetime.datetime

        self.Profile = Profile
        self.rng = rng
        self.version = pydantic.VERSION

    def batch(self, tenant):
        rng = self.rng
        return [self.Profile.model_validate({
            'user_id': rng.randrange(10**7), 'display': f'{tenant} {sentence(rng, 2)}', 'email': f'{word(rng)}@example.net',
            'tags': [{'name': word(rng), 'weight': rng.random()} for _ in range(rng.randrange(4))],
            'settings': {word(rng): word(rng) for _ in range(rng.randrange(4))},
            'created': '2026-04-01T12:00:00+00:00',
        }) for _ in range(6)]


PACKAGE_PARTS = (DjangoPart, SqlAlchemyPart, PandasPart, PydanticPart)


# ------------------------------------------------------------------ main

def count_objects(dumper):
    """Objects a dump would hold now (a walk into a throwaway buffer)."""
    sink = io.StringIO()
    count = dumper.dump_all_objects(sink)['objects']
    return count


def main(argv):
    parser = argparse.ArgumentParser(description='Build a service-like heap and dump it.')
    parser.add_argument('out')
    parser.add_argument('--objects', type=float, default=2e6)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--dumper', default=DEFAULT_DUMPER)
    parser.add_argument('--quiet', action='store_true')
    args = parser.parse_args(argv)
    say = (lambda *_: None) if args.quiet else (lambda text: print(f'real_heap: {text}', file=sys.stderr, flush=True))
    if os.path.lexists(args.out):
        print(f'real_heap: {args.out}: already exists', file=sys.stderr)
        return 2

    target = int(args.objects)
    dumper = load_dumper(args.dumper)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    parts = [Stdlib(rng)]
    packages = {}
    for part in PACKAGE_PARTS:
        try:
            parts.append(part(rng))
            packages[part.name] = parts[-1].version
        except ImportError:
            packages[part.name] = None
            say(f'{part.name} is not installed: skipped')
        except Exception as error:  # a package that imports but does not work here
            packages[part.name] = None
            say(f'{part.name} does not work here ({type(error).__name__}: {error}): skipped')

    # What the service keeps: every tenant's state, and a cache that refers into it.
    heap = {'tenants': {}, 'cache': collections.OrderedDict()}
    batches = 0

    def add(count):
        nonlocal batches
        for _ in range(count):
            tenant = f'tenant-{batches:06d}'
            state = {part.name: part.batch(tenant) for part in parts}
            heap['tenants'][tenant] = state
            heap['cache'][tenant] = state['stdlib']['payloads'][0]
            batches += 1

    add(2)
    before = count_objects(dumper)
    probe = 20
    add(probe)
    after = count_objects(dumper)
    per_batch = max(1.0, (after - before) / probe)
    needed = max(0, int((target - after) / per_batch))
    say(f'{after:,} objects after {batches} batches, {per_batch:,.0f} per batch; adding {needed} more')
    add(needed)
    built = time.perf_counter()
    stats = dumper.dump_all_objects(args.out)
    done = time.perf_counter()
    figures = {
        'file': args.out, 'objects': stats['objects'], 'bytes': os.path.getsize(args.out), 'batches': batches,
        'packages': packages, 'python': sys.version.split()[0],
        'secondsBuild': round(built - started, 2), 'secondsDump': round(done - built, 2),
    }
    say(f'{stats["objects"]:,} objects, {figures["bytes"] / 1e6:.0f} MB in {figures["secondsDump"]} s')
    print(json.dumps(figures))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
