"""Seed 2,000 demo residents: realistic names, addresses in the demo grids, mainland phones.

About 5% are elderly people living alone (独居老人); households share a landline.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.domain.idcard import check_digit
from callcenter.domain.names import initials_key, pinyin_key
from callcenter.models import Region, Resident, ResidentPhone, ResidentTag
from callcenter.services.residents import household_key

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严")
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文海"
GIVEN_F = "芳娜敏静丽艳娟霞秀玲桂英梅琳雪婷慧颖洁红燕萍兰凤玉珍云莉晶倩佳琴"
ROADS = ("幸福路", "人民路", "团结路", "和平巷", "建设路", "解放街", "文化路", "长江路", "中山路", "育红路")
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "166", "177", "180", "181", "186", "187", "188", "189", "199")
AREA = {"34": ("0553", "3", 6), "11": ("010", "6", 7)}  # province → area code, first digit, rest


def seed_residents(session: Session, regions: dict[str, Region], rng: random.Random,
                   count: int = 2000) -> int:
    """Add demo residents when there are none yet; return how many were added."""
    if session.scalar(select(func.count()).select_from(Resident)):
        return 0
    grids = sorted((r for r in regions.values() if r.level == "grid"), key=lambda r: r.code)
    made, serial = 0, 0
    while made < count:
        grid = grids[made % len(grids)]
        size = 1 if rng.random() < 0.3 else rng.choice((2, 2, 3, 3, 4))
        size = min(size, count - made)
        alone = size == 1 and rng.random() < 0.37  # singles are ~14% of residents: ≈5% in all
        address = _address(grid, rng)
        landline = _landline(grid, rng) if rng.random() < 0.35 else None
        family = rng.choice(SURNAMES)
        for member in range(size):
            serial += 1
            elderly = alone or (member == 0 and rng.random() < 0.25)
            born = _birth(rng, elderly)
            session.add(_resident(grid, rng, serial, family, born,
                                  address, landline, alone))
            made += 1
        if made % 500 < size:
            session.flush()
    session.flush()
    return made


def _resident(grid, rng, serial, surname, born, address, landline, alone) -> Resident:
    male = rng.random() < 0.5
    name = surname + "".join(rng.choice(GIVEN_M if male else GIVEN_F)
                             for _ in range(rng.choice((1, 2, 2))))
    district = grid.code[:6]
    seq = f"{serial % 100:02d}{rng.choice('13579' if male else '02468')}"  # unique enough
    first17 = f"{district}{born:%Y%m%d}{seq}"
    id_number = first17 + check_digit(first17)
    phones = [f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"]
    if landline:
        phones.append(landline)
    resident = Resident(
        name=name, name_pinyin=pinyin_key(name), name_initials=initials_key(name),
        gender="M" if male else "F", birth_date=born, id_number=id_number,
        id_last4=id_number[-4:], address=address, household_key=household_key(address),
        region=grid, language="zh",
        phones=[ResidentPhone(e164=p, last4=p[-4:]) for p in phones])
    tags = ["独居老人"] if alone else []
    if rng.random() < 0.03:
        tags.append("低保户")
    if rng.random() < 0.02:
        tags.append("残疾人")
    resident.tags = [ResidentTag(tag=t) for t in tags]
    return resident


def _birth(rng: random.Random, elderly: bool) -> date:
    start, span = (date(1930, 1, 1), 30 * 365) if elderly else (date(1950, 1, 1), 55 * 365)
    return start + timedelta(days=rng.randrange(span))


def _address(grid: Region, rng: random.Random) -> str:
    community = grid.parent.name if grid.parent else ""
    return (f"{community}{rng.choice(ROADS)}{rng.randint(1, 200)}号"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室")


def _landline(grid: Region, rng: random.Random) -> str:
    area, first, rest = AREA.get(grid.code[:2], AREA["34"])
    return f"+86{area[1:]}{first}{rng.randrange(10**rest):0{rest}d}"
