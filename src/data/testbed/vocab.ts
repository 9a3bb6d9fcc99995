/**
 * The closed word lists the world is drawn from. Kept short so a word-level tokenizer for a tiny LM
 * stays small. Words that questions use (relation nouns, item kinds, "family", "order") never appear
 * in the document templates, so a relevant document shares no term with its question.
 */

/** Occupations as [singular, plural]; the plural is how rules speak of them. */
export const OCCUPATIONS: readonly (readonly [string, string])[] = [
  ["glassblower", "glassblowers"], ["weaver", "weavers"], ["potter", "potters"], ["smith", "smiths"],
  ["baker", "bakers"], ["tanner", "tanners"], ["carpenter", "carpenters"], ["brewer", "brewers"],
  ["mason", "masons"], ["fisher", "fishers"], ["dyer", "dyers"], ["cooper", "coopers"],
];

export const REGIONS = ["north", "south"] as const;

export const EYES = ["grey", "brown", "green", "blue", "black", "amber"] as const;
export const TEMPERS = ["calm", "cheerful", "stern", "shy", "bold", "patient", "restless", "gentle"] as const;
export const HABITS = [
  "rises before dawn", "hums while working", "collects old maps", "walks by the lake each evening",
  "writes long letters", "keeps a small garden", "reads late into the night", "carves small wooden birds",
  "feeds the stray cats", "sleeps beside an open window",
] as const;

export const TRADES = ["brewery", "forge", "mill", "bakery", "tannery", "pottery", "shipyard", "ropewalk", "dyehouse", "sawmill"] as const;
export const ORG_NOTES = [
  "stands beside the old bridge", "has a tall chimney of red brick", "opens its doors at sunrise",
  "sells its goods at the spring market", "keeps three mules in its yard", "was rebuilt after a great fire",
  "ships goods down the river", "hires extra hands every autumn",
] as const;

export const TOWN_SITES = ["on a hill", "beside a lake", "on the coast", "in a valley", "at a river bend", "near a forest", "among low hills", "at a crossroads"] as const;
export const TOWN_NOTES = ["its bells", "its stone towers", "its busy markets", "its gardens", "its fishing boats", "its old walls", "its fairs", "its bridges"] as const;

export const HALL_LOOKS = ["a copper roof", "a red door", "a bell tower", "tall windows", "a courtyard with a fountain", "walls of grey stone", "a painted ceiling", "a long oak table"] as const;
export const HALL_NOTES = [
  "keeps its ledgers in an oak chest", "meets on the first day of each month", "lends tools to newcomers",
  "holds a feast each midsummer", "settles quarrels between members", "trains apprentices in winter",
] as const;

/** Item kinds: the noun a price question names. */
export const ITEM_KINDS = ["lantern", "blade", "cloak", "drum", "mirror", "compass", "kettle", "flute", "saddle", "helmet"] as const;
export const MATERIALS = ["brass", "iron", "wool", "oak", "copper", "bone", "leather", "glass", "clay", "pine"] as const;
export const COLORS = ["red", "green", "blue", "yellow", "white", "black", "grey", "brown", "violet", "orange"] as const;

/** The base currency and the units a price question uses, with how many of each make one crown. */
export const BASE_UNIT = { one: "crown", many: "crowns" } as const;
export const UNITS: readonly { many: string; perCrown: number }[] = [
  { many: "pells", perCrown: 2 }, { many: "marks", perCrown: 3 }, { many: "bits", perCrown: 4 }, { many: "shards", perCrown: 5 },
];

/** Creature coverings as [what it has, how a definition says it]. */
export const COVERINGS = ["fur", "scales", "feathers", "shells", "spines"] as const;
export const HABITATS = ["forests", "rivers", "deserts", "mountains", "marshes", "caves"] as const;
export const DIETS = ["berries", "insects", "roots", "fish", "seeds", "grass", "moss", "nuts"] as const;
export const SIZES = ["small", "large", "tiny", "huge", "slender", "stout"] as const;
export const SOUNDS = ["hoots at night", "clicks softly", "whistles at dawn", "makes no sound", "growls when startled", "sings in the rain"] as const;
export const KIN_NOTES = [
  "lay their eggs in spring", "sleep through the winter", "travel in small groups", "hunt at dawn",
  "live for many years", "guard their young fiercely", "shed their coats each autumn", "rest in the heat of the day",
] as const;
