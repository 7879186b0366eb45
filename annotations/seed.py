"""Source of fixtures/topics.json, targets.json and demo_annotations.json (``make fixtures``).

The demo annotations are written against the sample corpus by quote: the builder finds
each quote in its document, so they stay right when the parser changes how turns split.
"""

# (slug, name, parent slug or None, description)
TOPICS = [
    ("regional-integration", "Regional integration", None, "Integration of the post-Soviet space and Eurasia."),
    (
        "cis",
        "CIS",
        "regional-integration",
        "Commonwealth of Independent States: its bodies, meetings and chairmanship.",
    ),
    ("eaeu", "EAEU", "regional-integration", "The Eurasian Economic Union."),
    ("csto", "CSTO", "regional-integration", "The Collective Security Treaty Organisation."),
    ("sco", "SCO", "regional-integration", "The Shanghai Cooperation Organisation."),
    ("central-asia", "Central Asia", "regional-integration", "Relations with and among the Central Asian states."),
    ("greater-eurasia", "Greater Eurasian Partnership", "regional-integration", "Continent-wide integration ideas."),
    ("security", "Security", None, "Regional and global security."),
    ("eurasian-security", "Eurasian security architecture", "security", "Proposals for security in Eurasia."),
    ("nato", "NATO enlargement", "security", "NATO's expansion and its role in conflicts."),
    ("ukraine-conflict", "Ukraine conflict", None, "The war in Ukraine and its causes."),
    ("peace-talks", "Peace talks and settlement", "ukraine-conflict", "Negotiations, peace plans and conferences."),
    ("sanctions-economy", "Sanctions & economy", None, "Sanctions and their economic effects."),
    ("sanctions", "Sanctions", "sanctions-economy", "Restrictive measures and their effects."),
    ("payments", "Payments", "sanctions-economy", "Payment systems, national currencies, SWIFT alternatives."),
    ("trade", "Trade", "sanctions-economy", "Trade volumes and trade policy."),
    ("energy", "Energy", "sanctions-economy", "Oil, gas and nuclear energy cooperation."),
    ("transport-corridors", "Transport corridors", None, "International transport and logistics routes."),
    ("north-south", "North-South corridor", "transport-corridors", "The International North-South Transport Corridor."),
    ("trans-caspian", "Trans-Caspian route", "transport-corridors", "The Trans-Caspian International Transport Route."),
    ("foreign-relations", "Foreign relations", None, "Bilateral relations with other powers."),
    ("relations-eu", "Relations with the EU", "foreign-relations", "The European Union and its member states."),
    ("relations-us", "Relations with the US", "foreign-relations", "The United States."),
    ("relations-uk", "Relations with the UK", "foreign-relations", "The United Kingdom."),
    ("relations-china-asia", "Relations with China and Asia", "foreign-relations", "China, India and Asia."),
    ("ngos-civil-society", "NGOs and civil society", None, "Foreign NGOs, foundations and civil society contacts."),
    ("culture-humanitarian", "Culture and humanitarian ties", None, "Culture, education, commemoration."),
    ("victory-anniversary", "Victory anniversary", "culture-humanitarian", "Commemorating the Great Patriotic War."),
    ("media", "Media and information", None, "Media, propaganda and information security."),
    ("multilateral", "Multilateral diplomacy", None, "The UN, OSCE, BRICS and other multilateral platforms."),
]

# (slug, name, kind)
TARGETS = [
    ("european-union", "European Union", "organisation"),
    ("united-states", "United States", "country"),
    ("united-kingdom", "United Kingdom", "country"),
    ("nato", "NATO", "organisation"),
    ("china", "China", "country"),
    ("cis", "CIS", "organisation"),
    ("kazakhstan", "Kazakhstan", "country"),
    ("ukraine", "Ukraine", "country"),
    ("switzerland", "Switzerland", "country"),
    ("the-west", "The West", "other"),
    ("soros-foundations", "Soros Foundations", "organisation"),
    ("belarus", "Belarus", "country"),
]

# Demo accounts that author the demo annotations; `setup_demo` gives them passwords.
DEMO_EDITOR = "editor"
DEMO_REVIEWER = "reviewer"

# Each: the document's file, the exact quote (its first occurrence is annotated), topics,
# an optional stance (polarity, target slug), an optional claim (status, rationale, evidence), a note.
DEMO_ANNOTATIONS = [
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "National currencies now account for 85 percent of payments in trade with the CIS countries.",
        "topics": ["payments", "cis"],
        "claim": {
            "status": "in_review",
            "rationale": "",
            "evidence": [],
        },
        "note": "Share of national currencies in CIS settlements; compare with central bank figures.",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "Despite the sanctions, trade within the CIS increased by nearly 4.5 percent last year",
        "topics": ["trade", "cis"],
        "claim": {"status": "unverified", "rationale": "", "evidence": []},
        "note": "",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "no one has seen the 10 billion euros promised by those whom the EU wants to bring onboard",
        "topics": ["trans-caspian", "relations-eu"],
        "stance": ("opposes", "european-union"),
        "claim": {
            "status": "misleading",
            "rationale": (
                "The EU announced the €10 billion as a pledge of investors at its January 2024 Global Gateway "
                "forum, to be spent over years; that little has been spent yet does not mean nothing was pledged."
            ),
            "evidence": ["https://ec.europa.eu/commission/presscorner/home/en"],
        },
        "note": "The pledge dates from the Global Gateway investors' forum.",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "attempts to draw Ukraine into NATO were misguided",
        "topics": ["nato", "ukraine-conflict"],
        "stance": ("opposes", "nato"),
        "note": "Attributed to President Trump.",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "It was undermined and destroyed by the Biden Administration.",
        "topics": ["relations-us"],
        "stance": ("opposes", "united-states"),
        "note": "",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "how low the European Union has fallen",
        "topics": ["relations-eu", "sanctions"],
        "stance": ("opposes", "european-union"),
        "note": "",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": (
            "the Financial Messaging System of the Central Bank of Russia, "
            "which is convenient and does not depend on SWIFT"
        ),
        "topics": ["payments"],
        "note": "SPFS, the Russian alternative to SWIFT.",
    },
    {
        "source": "001_296888d256c771b2.txt",
        "quote": "The North-South International Transport Corridor is a much more advanced project.",
        "topics": ["north-south"],
        "stance": ("supports", "cis"),
        "note": "",
    },
    {
        "source": "004_f5163b51cb7a6d71.txt",
        "quote": "In 2022, it reached a record total of over $28 billion.",
        "topics": ["trade", "central-asia"],
        "claim": {
            "status": "accurate",
            "rationale": "Kazakhstan's statistics bureau put 2022 trade with Russia at about $28 billion, a record.",
            "evidence": ["https://stat.gov.kz/en/"],
        },
        "note": "Russia–Kazakhstan trade turnover.",
    },
    {
        "source": "004_f5163b51cb7a6d71.txt",
        "quote": "The international North-South transport corridor is our first priority.",
        "topics": ["north-south"],
        "note": "",
    },
    {
        "source": "004_f5163b51cb7a6d71.txt",
        "quote": (
            "They openly promoted a policy that ignored the lawful interests and legislation of the Russian Federation."
        ),
        "topics": ["ngos-civil-society"],
        "stance": ("opposes", "soros-foundations"),
        "note": "",
    },
    {
        "source": "002_50d26956223dd4d0.txt",
        "quote": "China’s 12-point plan and Switzerland’s formula are incompatible.",
        "topics": ["peace-talks", "relations-china-asia"],
        "stance": ("supports", "china"),
        "note": "Contrasts the Chinese plan with the Swiss conference.",
    },
    {
        "source": "002_50d26956223dd4d0.txt",
        "quote": "They are afraid that His Majesty’s subjects will see how Belarus really lives",
        "topics": ["relations-uk", "media"],
        "stance": ("opposes", "united-kingdom"),
        "note": "",
    },
    {
        "source": "003_97e30202609891c9.txt",
        "quote": (
            "China has emerged as the leading trade partner, "
            "nearly doubling its trade turnover with Central Asia to $70 billion in 2022."
        ),
        "topics": ["trade", "central-asia", "relations-china-asia"],
        "claim": {"status": "unverified", "rationale": "", "evidence": []},
        "note": "Article's own figure, not Lavrov's.",
    },
    {
        "source": "003_97e30202609891c9.txt",
        "quote": "These attempts are futile.",
        "topics": ["central-asia", "relations-eu"],
        "stance": ("opposes", "european-union"),
        "note": "",
    },
    {
        "source": "000_fdb94d2577f2daed.txt",
        "quote": "National currencies now account for 85% of payments in trade with the CIS countries.",
        "topics": ["payments", "cis"],
        "claim": {"status": "unverified", "rationale": "", "evidence": []},
        "note": "Edited edition of the Almaty press conference; the full transcript says “85 percent”.",
    },
    {
        "source": "000_fdb94d2577f2daed.txt",
        "quote": "EU growth was about 1% in 2024",
        "topics": ["relations-eu"],
        "claim": {"status": "unverified", "rationale": "", "evidence": []},
        "note": "The publisher's own note, not the minister's words.",
    },
]
