"""The demo data set: real division codes (GB/T 2260) down to district, plausible below."""

# (code, name, level, children)
REGIONS = [
    ("340000", "安徽省", "province", [
        ("340200", "芜湖市", "city", [
            ("340202", "镜湖区", "district", [
                ("340202001", "北京路街道", "street", [
                    "天门山社区", "北京东路社区", "双桐巷社区", "团结社区", "新芜社区", "大砻坊社区"]),
                ("340202002", "范罗山街道", "street", ["范罗山社区", "吉和街社区", "春安社区"]),
                ("340202003", "赭山街道", "street", ["赭山社区", "汀棠社区", "狮子山社区"]),
            ]),
        ]),
    ]),
    ("110000", "北京市", "province", [
        ("110100", "北京市市辖区", "city", [
            ("110108", "海淀区", "district", [
                ("110108019", "青龙桥街道", "street", ["颐和园社区", "六郎庄社区"]),
                ("110108020", "香山街道", "street", ["香山社区", "四王府社区"]),
                ("110108021", "清河街道", "street", ["清河社区", "安宁里社区"]),
            ]),
        ]),
    ]),
]
GRIDS_TOTAL = 60

DEPARTMENTS = [
    ("GA", "公安分局", ["治安", "交通"]),
    ("MZ", "民政局", ["低保", "养老", "残疾", "社会救助"]),
    ("RS", "人社局", ["就业", "社保"]),
    ("WJ", "卫健委", ["医疗", "计生"]),
    ("ZJ", "住建局", ["物业", "房屋", "燃气"]),
    ("CG", "城管局", ["市容", "垃圾", "路灯", "噪音"]),
    ("SJ", "市场监管局", ["消费", "食品"]),
    ("JD", "街道办", ["社区"]),
]

PROVIDERS = [
    ("P01", "惠民水电维修", ["水电"], 8), ("P02", "安心家政保洁", ["家政"], 10),
    ("P03", "夕阳红助餐送餐", ["助餐"], 20), ("P04", "快修家电维修", ["家电"], 6),
    ("P05", "放心开锁换锁", ["开锁"], 5), ("P06", "康乐养老护理", ["护理"], 8),
    ("P07", "便民管道疏通", ["水电"], 6), ("P08", "洁净家政服务", ["家政"], 10),
    ("P09", "邻里助餐中心", ["助餐"], 15), ("P10", "诚信家电服务", ["家电"], 6),
    ("P11", "温馨陪护中心", ["护理"], 6), ("P12", "平安锁业", ["开锁"], 4),
]

# (code, name, name_en, key, children[(code, name, name_en, deadline_policy)])
CATEGORIES = [
    ("SOC", "社会救助", "Social assistance", "社会救助", [
        ("SOC-DB", "低保申请", "Minimum living allowance", {}),
        ("SOC-TK", "特困供养", "Support for the destitute", {}),
        ("SOC-LS", "临时救助", "Temporary assistance", {}),
        ("SOC-CJ", "残疾人补贴", "Disability allowance", {})]),
    ("AGE", "养老服务", "Elderly care", "养老", [
        ("AGE-ZC", "老年人助餐", "Meals for the elderly", {}),
        ("AGE-HL", "居家养老护理", "Home care", {}),
        ("AGE-GL", "高龄津贴", "Old-age allowance", {}),
        ("AGE-JJ", "紧急呼援", "Emergency call for the elderly", {"default": {"complete_days": 1}})]),
    ("HOU", "房屋物业", "Housing and property", "物业", [
        ("HOU-LS", "房屋漏水", "Leaking roof or pipes", {}),
        ("HOU-WY", "物业纠纷", "Property management dispute", {}),
        ("HOU-DT", "电梯故障", "Lift out of order", {"default": {"complete_days": 1}}),
        ("HOU-RQ", "燃气安全", "Gas safety", {"default": {"complete_days": 1, "accept_hours": 1}})]),
    ("CITY", "市容环境", "City environment", "市容", [
        ("CITY-LJ", "垃圾清运", "Rubbish collection", {}),
        ("CITY-LD", "路灯维修", "Street light repair", {}),
        ("CITY-ZY", "噪音扰民", "Noise nuisance", {}),
        ("CITY-WZ", "违章搭建", "Illegal construction", {}),
        ("CITY-JG", "井盖缺失", "Missing manhole cover", {"default": {"complete_days": 1}})]),
    ("LAB", "就业社保", "Jobs and social insurance", "就业", [
        ("LAB-JY", "就业登记", "Employment registration", {}),
        ("LAB-SB", "社保缴纳", "Social insurance contributions", {}),
        ("LAB-QX", "欠薪投诉", "Unpaid wages", {}),
        ("LAB-YB", "医保报销", "Medical insurance claims", {})]),
    ("CIV", "户籍证件", "Residence and documents", "治安", [
        ("CIV-JZ", "居住证办理", "Residence permit", {}),
        ("CIV-HK", "户口迁移", "Household registration transfer", {}),
        ("CIV-ZA", "治安隐患", "Public security hazard", {})]),
    ("HLT", "卫生健康", "Health", "医疗", [
        ("HLT-JT", "家庭医生签约", "Family doctor", {}),
        ("HLT-YM", "疫苗接种", "Vaccination", {}),
        ("HLT-DS", "独生子女奖励", "One-child family reward", {})]),
    ("SRV", "便民服务", "Household services", "便民", [
        ("SRV-SD", "水电维修", "Plumbing and electrics", {}),
        ("SRV-JZ", "家政保洁", "Housekeeping", {}),
        ("SRV-JD", "家电维修", "Appliance repair", {}),
        ("SRV-KS", "开锁换锁", "Locksmith", {"default": {"complete_days": 1}}),
        ("SRV-GD", "管道疏通", "Drain clearing", {})]),
]
