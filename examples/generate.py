"""Generate the example portfolio: customers.csv and invoices.csv (committed output).

Run from the repository root with ``python examples/generate.py``. The generator is
deterministic (a fixed seed and no clock): running it again rewrites the same files, byte for
byte. The portfolio is built around the demo date, 2026-11-20, so that it holds invoices not
yet due, due that day, and 1 to 130 days overdue, in Colombian, Chilean and Mexican pesos.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 20)
SEED = 20261120

COUNTRIES = {
    "CO": ("es_CO", "America/Bogota", "COP", "+57 3", "FE-"),
    "CL": ("es_CL", "America/Santiago", "CLP", "+56 9", "F-"),
    "MX": ("es_MX", "America/Mexico_City", "MXN", "+52 55", "A-"),
}

BUSINESSES = {
    "CO": [
        "Ferretería El Tornillo S.A.S.",
        "Distribuidora Andina Ltda.",
        "Café Sierra Nevada S.A.S.",
        "Transportes La Sabana S.A.",
        "Textiles Medellín S.A.S.",
        "Droguería San Rafael",
        "Constructora Altos del Río S.A.S.",
    ],
    "CL": [
        "Comercial Pacífico SpA",
        "Viña Los Aromos Ltda.",
        "Ferretería Cordillera SpA",
        "Servicios Logísticos Austral S.A.",
        "Panadería La Espiga Ltda.",
        "Importadora Valparaíso SpA",
        "Clínica Dental Providencia SpA",
    ],
    "MX": [
        "Abarrotes La Esperanza S.A. de C.V.",
        "Tortillería Doña Lupe",
        "Refaccionaria del Bajío S.A. de C.V.",
        "Papelería El Estudiante",
        "Grupo Constructor Anáhuac S.A. de C.V.",
        "Farmacia Santa Fe S.A. de C.V.",
    ],
}

FIRST_NAMES = {
    "CO": ["María Fernanda", "Juan Pablo", "Luisa", "Andrés Felipe", "Carolina", "Santiago",
           "Valentina", "Camilo", "Daniela", "Sebastián"],
    "CL": ["Francisca", "Benjamín", "Constanza", "Matías", "Javiera", "Vicente", "Catalina",
           "Tomás", "Antonia", "Joaquín"],
    "MX": ["Guadalupe", "José Luis", "Ximena", "Alejandro", "Fernanda", "Diego", "Mariana",
           "Emiliano", "Regina", "Rodrigo"],
}  # fmt: skip

LAST_NAMES = {
    "CO": ["Gómez", "Rodríguez", "Martínez", "Restrepo", "Ospina", "Cárdenas", "Salazar", "Rojas"],
    "CL": ["González", "Muñoz", "Rojas", "Díaz", "Soto", "Contreras", "Silva", "Sepúlveda"],
    "MX": ["Hernández", "García", "López", "Ramírez", "Flores", "Sánchez", "Torres", "Cruz"],
}

# Amounts in pesos: (low, high, step) for business and consumer invoices.
AMOUNTS = {
    "COP": {"business": (800_000, 45_000_000, 100), "consumer": (45_000, 1_800_000, 100)},
    "CLP": {"business": (150_000, 12_000_000, 10), "consumer": (12_000, 450_000, 10)},
    "MXN": {"business": (250_000, 28_000_000, 1), "consumer": (29_900, 1_250_000, 1)},
}

# Invoices with payment terms, to show their schedules (due date derived from the terms).
TERMED = ["2/10 net 30", "50% deposit net 30", "net 30 EOM"]

CUSTOMER_COLUMNS = [
    "id", "name", "locale", "time_zone", "email", "sms", "whatsapp", "phone", "postal",
    "preferred_channels", "segment", "tags", "do_not_contact",
]  # fmt: skip
INVOICE_COLUMNS = [
    "id", "customer_id", "number", "currency", "issue_date", "due_date", "terms", "total",
    "paid_amount", "paid_on", "disputed", "promise_to_pay", "tags", "status",
]  # fmt: skip


def _slug(name: str) -> str:
    plain = name.lower()
    for accented, letter in zip("áéíóúñü", "aeiounu", strict=True):
        plain = plain.replace(accented, letter)
    words = [w for w in "".join(c if c.isalnum() else " " for c in plain).split() if len(w) > 2]
    return ".".join(words[:2])


def _phone(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(str(rng.randrange(10)) for _ in range(9 if "57" in prefix else 8))


def customers(rng: random.Random) -> list[dict[str, str]]:
    """About fifty customers, a third per country, about four in ten businesses."""
    rows = []
    for country, (locale, zone, _, prefix, _) in COUNTRIES.items():
        people = [
            f"{first} {rng.choice(LAST_NAMES[country])} {rng.choice(LAST_NAMES[country])}"
            for first in FIRST_NAMES[country]
        ]
        names = [(name, "business") for name in BUSINESSES[country]]
        names += [(name, "consumer") for name in people]
        for number, (name, segment) in enumerate(names, 1):
            slug = _slug(name)
            business = segment == "business"
            domain = f"{slug.replace('.', '-')}.example" if business else "correo.example"
            email = f"pagos@{domain}" if segment == "business" else f"{slug}@{domain}"
            mobile = _phone(rng, prefix)
            channels = rng.choice(
                [["email"], ["whatsapp", "email"], ["sms", "email"], ["email", "whatsapp"]]
                if segment == "business"
                else [["whatsapp"], ["whatsapp", "sms"], ["sms"], ["email", "sms"], ["whatsapp"]]
            )
            has_sms = "sms" in channels or rng.random() < 0.5
            rows.append(
                {
                    "id": f"{country}-{number:03d}",
                    "name": name,
                    "locale": locale,
                    "time_zone": zone,
                    "email": email if segment == "business" or rng.random() < 0.8 else "",
                    "sms": mobile if has_sms else "",
                    "whatsapp": mobile if "whatsapp" in channels or rng.random() < 0.6 else "",
                    "phone": mobile if segment == "business" else "",
                    "postal": "",
                    "preferred_channels": ";".join(channels),
                    "segment": segment,
                    "tags": "key-account" if segment == "business" and rng.random() < 0.3 else "",
                    "do_not_contact": "true" if rng.random() < 0.06 else "",
                }
            )
    return rows


def _amount(rng: random.Random, currency: str, segment: str) -> Decimal:
    low, high, step = AMOUNTS[currency][segment]
    units = rng.randrange(low, high, step)
    # A price ending in round hundreds (or cents for MXN, kept in centavos here).
    return Decimal(units).scaleb(-2) if currency == "MXN" else Decimal(units)


def _days_overdue(rng: random.Random) -> int:
    bucket = rng.random()
    if bucket < 0.25:
        return -rng.randint(1, 25)
    if bucket < 0.30:
        return 0
    if bucket < 0.60:
        return rng.randint(1, 30)
    if bucket < 0.78:
        return rng.randint(31, 60)
    if bucket < 0.90:
        return rng.randint(61, 90)
    return rng.randint(91, 130)


def invoices(rng: random.Random, people: list[dict[str, str]]) -> list[dict[str, str]]:
    """About three invoices per customer, with payments, disputes and promises to pay."""
    rows = []
    sequence = {country: 1000 + rng.randrange(9000) for country in COUNTRIES}
    termed = 0
    for customer in people:
        country = customer["id"][:2]
        _, _, currency, _, series = COUNTRIES[country]
        segment = customer["segment"]
        for _ in range(rng.choice([2, 3, 3, 4])):
            sequence[country] += rng.randint(1, 40)
            total = _amount(rng, currency, segment)
            net = rng.choice([30, 30, 45, 60]) if segment == "business" else rng.choice([15, 30])
            due = AS_OF - timedelta(days=_days_overdue(rng))
            issue = min(due - timedelta(days=net), AS_OF - timedelta(days=rng.randint(1, 5)))
            row = dict.fromkeys(INVOICE_COLUMNS, "")
            row.update(
                id=f"{customer['id']}-{sequence[country]}",
                customer_id=customer["id"],
                number=f"{series}{sequence[country]}",
                currency=currency,
                issue_date=issue.isoformat(),
                due_date=due.isoformat(),
                total=str(total),
                status="open",
            )
            if segment == "business" and termed < 2 * len(TERMED) and rng.random() < 0.12:
                row["terms"] = TERMED[termed % len(TERMED)]
                row["due_date"] = ""  # derived from the terms by the reader
                row["issue_date"] = (AS_OF - timedelta(days=rng.randint(5, 70))).isoformat()
                termed += 1
            roll = rng.random()
            issued = date.fromisoformat(row["issue_date"])
            if roll < 0.15 and issued < AS_OF - timedelta(days=3):
                paid_on = issued + timedelta(days=rng.randint(1, (AS_OF - issued).days - 1))
                row.update(paid_amount=str(total), paid_on=paid_on.isoformat(), status="paid")
            elif roll < 0.27 and issued < AS_OF - timedelta(days=3):
                part = (total * Decimal(rng.randint(20, 70)) / 100).quantize(
                    Decimal("0.01") if currency == "MXN" else Decimal(1)
                )
                paid_on = issued + timedelta(days=rng.randint(1, (AS_OF - issued).days - 1))
                row.update(paid_amount=str(part), paid_on=paid_on.isoformat())
            elif roll < 0.32:
                row["disputed"] = "true"
            elif roll < 0.38:
                row["promise_to_pay"] = (AS_OF + timedelta(days=rng.randint(-5, 12))).isoformat()
            elif roll < 0.39:
                row["status"] = "void"
            if segment == "consumer" and rng.random() < 0.2:
                row["tags"] = "subscription"
            rows.append(row)
    return rows


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Write customers.csv and invoices.csv next to this script."""
    rng = random.Random(SEED)
    people = customers(rng)
    _write(HERE / "customers.csv", CUSTOMER_COLUMNS, people)
    _write(HERE / "invoices.csv", INVOICE_COLUMNS, invoices(rng, people))


if __name__ == "__main__":
    main()
