// Generates the offline sample datasets that tabtune's app and CLI ship with (public/data/).
//
//   npx tsx scripts/make-sample-data.ts
//
// Pure TypeScript, no network, no dependencies beyond Node. Deterministic: every random choice comes
// from the seeded Rng (mulberry32), so re-running gives byte-identical files; the unit test
// scripts/make-sample-data.test.ts checks that the committed files match a fresh in-memory run.
//
// All text below was written for tabtune (no LIMA / LIMA-Role / RoleBench text is used; their licences
// forbid shipping it). The fact banks are data; templates only vary the role-prompt phrasing and the
// shapes of the table-driven pretraining facts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/engine/rng.ts';

// ---------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------

/** A question, its answer and, where the domain's experts do not all fit, the expert who does. */
type QA = readonly [question: string, answer: string, expert?: Expert];
type Expert = readonly [who: string, stance: string];

interface Domain {
  name: string;
  /** Who answers and how: "a family doctor" + "give you general facts, not personal medical advice". */
  experts: readonly Expert[];
  facts: readonly QA[];
}

export interface SelfPromptRecord {
  question: string;
  role_prompt: string;
  answer: string;
  domain: string;
}
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
export interface ChatRecord {
  messages: ChatMessage[];
}
export interface RoleBenchRecord {
  role: string;
  question: string;
  generated: string[];
  type: 'role_specific' | 'general';
}
export interface S3ftRecord {
  pid: number;
  system: string;
  history: { prompt: string; response: string }[];
  prompt: string;
  response: string;
}
export type S3ftLabel = 'excellent' | 'incoherent' | 'ignores_system' | 'both' | 'not_applicable';
export interface S3ftLabelledRecord extends S3ftRecord {
  label: S3ftLabel;
}

export interface SampleData {
  train: SelfPromptRecord[];
  heldout: SelfPromptRecord[];
  pretrain: ChatRecord[];
  chat: ChatRecord[];
  rolebench: RoleBenchRecord[];
  rolebenchDesc: Record<string, string>;
  s3ft: S3ftRecord[];
  s3ftLabelled: S3ftLabelledRecord[];
}

/** File names under public/data/. */
export const FILES = {
  train: 'self-prompt.train.jsonl',
  heldout: 'self-prompt.heldout.jsonl',
  pretrain: 'pretrain.jsonl',
  chat: 'chat.sample.jsonl',
  rolebench: 'rolebench.sample.jsonl',
  rolebenchDesc: 'rolebench.desc.json',
  s3ft: 's3ft.sample.jsonl',
  s3ftLabelled: 's3ft.labelled.jsonl',
  readme: 'README.md',
} as const;

export const SEED = 20240709;

/** Minimums promised by the data card (and checked by the test). */
export const MINIMUMS = {
  train: 400,
  trainDomains: 20,
  heldout: 40,
  pretrain: 1500,
  chat: 30,
  rolebench: 60,
  s3ft: 40,
  s3ftLabelled: 60,
} as const;

/**
 * Phrases that mark a role prompt. None of them may appear in an assistant turn of the pretraining
 * corpus: the base model must never have seen a role prompt before self-prompt tuning.
 */
export const ROLE_PHRASE_PATTERNS: readonly RegExp[] = [
  /(^|[.!?]\s+)As an? /, // "As a seasoned engineer, ..." (sentence-initial; "such as a hammer" is fine)
  /\byou are\b/i,
  /\byou're\b/i,
  /\bexpert/i,
  /\bspeaking as\b/i,
  /\bin my role\b/i,
  /\brole\b/i,
  /\bpoint of view\b/i,
  /\bthe view of\b/i,
  /\bshoes of\b/i,
  /\bthinking like\b/i,
  /\bI('ll| will| am|'m)\b/,
  /\blet me\b/i,
];

// ---------------------------------------------------------------------------------------------------
// Fact banks for self-prompt tuning (train): 24 domains x 18 questions
// ---------------------------------------------------------------------------------------------------

const TRAIN_DOMAINS: readonly Domain[] = [
  {
    name: 'physics',
    experts: [
      ['a physics teacher who loves simple classroom demos', 'explain it with an everyday example'],
      ['a research physicist', 'give you the core idea without the heavy maths'],
      ['a high school physics teacher with thirty years in the classroom', 'keep it simple and exact'],
    ],
    facts: [
      ['Why does a ball fall back down when you throw it up?', 'Gravity pulls the ball toward the Earth the whole time. It slows the ball on the way up, stops it at the top, and speeds it up on the way down.'],
      ['What is the speed of light?', 'Light travels about 300,000 kilometres per second in empty space. Nothing that carries information can go faster.'],
      ['What is an echo?', 'An echo is sound that bounces off a hard surface, such as a cliff or a wall, and comes back to you. You hear it a moment later because the sound had to travel there and back.'],
      ['What is friction?', 'Friction is a force that resists motion when two surfaces rub against each other. It is why a sliding book slows down and why shoes grip the floor.'],
      ['Why does ice float on water?', 'Ice is less dense than liquid water. When water freezes, its molecules lock into an open pattern that takes up more space, so the ice floats.'],
      ["What does Newton's first law say?", 'An object stays at rest, or keeps moving in a straight line at the same speed, unless a force acts on it. This tendency is called inertia.'],
      ['What is the difference between mass and weight?', 'Mass is the amount of matter in an object and is the same everywhere. Weight is the force of gravity on that mass, so you would weigh less on the Moon while your mass stays the same.'],
      ['Why does a metal spoon feel colder than a wooden one at the same temperature?', 'Metal conducts heat much better than wood. It pulls heat away from your hand quickly, so it feels colder even though both are at the same temperature.'],
      ['What is a magnet?', 'A magnet is an object that makes a magnetic field. It attracts iron and steel, and every magnet has a north pole and a south pole.'],
      ['Why do two magnets sometimes push each other away?', 'Like poles repel and opposite poles attract. Two north poles push each other away, while a north and a south pole pull together.'],
      ['What is electric current?', 'Electric current is the flow of electric charge, usually electrons moving through a wire. It is measured in amperes.'],
      ['What does a lens do?', 'A lens bends light as it passes through. A convex lens brings light rays together, and a concave lens spreads them apart.'],
      ['Why does a straw look bent in a glass of water?', 'Light bends when it passes from water into air, which is called refraction. Your eyes trace the light back along a straight line, so the straw seems to bend at the surface.'],
      ['What is energy?', 'Energy is the ability to do work or cause change. It comes in forms such as motion, heat, light and stored chemical energy, and it can change form but is never created or destroyed.'],
      ["Why can't sound travel through space?", 'Sound is a vibration that needs a material, such as air or water, to travel through. Space is almost empty, so there is nothing to carry the vibration.'],
      ['What is the unit of force?', 'Force is measured in newtons. One newton is the force needed to speed up one kilogram by one metre per second every second.'],
      ['How does a lever make lifting easier?', 'A lever turns around a fixed point called a fulcrum. Pushing on the long side over a bigger distance lets you move a heavy load on the short side with less force.'],
      ['What does temperature measure?', 'Temperature measures how fast the particles in a substance are moving on average. Hotter things have faster moving particles.'],
    ],
  },
  {
    name: 'chemistry',
    experts: [
      ['a chemistry lecturer', 'explain what the atoms and molecules are doing'],
      ['a lab chemist with many years at the bench', 'keep it precise and mention safety where it matters'],
      ['a science teacher who runs the school chemistry club', 'make it easy to picture'],
    ],
    facts: [
      ['What is an atom?', 'An atom is the smallest unit of a chemical element. It has a nucleus of protons and neutrons, with electrons moving around it.'],
      ['What is the chemical formula for water?', 'Water is H2O. Each molecule has two hydrogen atoms joined to one oxygen atom.'],
      ['What is the difference between an element and a compound?', 'An element is made of only one kind of atom, such as oxygen or gold. A compound is made of two or more elements joined together, such as water or salt.'],
      ['What does pH measure?', 'pH measures how acidic or basic a solution is. The scale runs from 0 to 14, with 7 being neutral, lower numbers acidic and higher numbers basic.'],
      ['Why does iron rust?', 'Iron reacts with oxygen and water to form iron oxide, which is rust. Salt water speeds up the reaction, so cars rust faster near the sea or on salted roads.'],
      ['What is table salt made of?', 'Table salt is sodium chloride. It forms when sodium and chlorine combine, and its chemical formula is NaCl.'],
      ['What happens when you mix baking soda and vinegar?', 'The acid in vinegar reacts with baking soda and releases carbon dioxide gas. The bubbles of gas cause the fizzing.'],
      ['What is the most common gas in the air we breathe?', 'Nitrogen makes up about 78 percent of air. Oxygen is about 21 percent, and the rest is mostly argon with a little carbon dioxide.'],
      ['What is a catalyst?', "A catalyst speeds up a chemical reaction without being used up. Enzymes in your body are catalysts, and so is the metal in a car's catalytic converter."],
      ['What is the periodic table?', 'The periodic table arranges all known elements in order of their atomic number. Elements in the same column have similar chemical behaviour.'],
      ['Why does oil not mix with water?', 'Water molecules are polar and stick strongly to each other, while oil molecules are nonpolar. The water holds together and pushes the oil out, so the two form separate layers.'],
      ['What is the symbol for gold?', 'The chemical symbol for gold is Au. It comes from aurum, the Latin word for gold.'],
      ['What is a solution in chemistry?', 'A solution is a mixture where one substance dissolves evenly in another. Salt water is a solution, with salt dissolved in water.'],
      ['What is combustion?', 'Combustion is burning: a fast reaction between a fuel and oxygen that gives off heat and light. Burning wood or natural gas produces carbon dioxide and water.'],
      ['What are the three common states of matter?', 'The three common states are solid, liquid and gas. A solid keeps its shape, a liquid takes the shape of its container, and a gas spreads out to fill the space.'],
      ['What is an isotope?', 'Isotopes are atoms of the same element with different numbers of neutrons. Carbon-12 and carbon-14 are both carbon, but carbon-14 has two extra neutrons.'],
      ['Why is helium used in party balloons?', 'Helium is lighter than air, so a balloon filled with it floats. It is also unreactive and does not burn, which makes it safe to use.'],
      ['What is distillation?', 'Distillation separates liquids by boiling them and then cooling the vapour. The part that boils at a lower temperature turns to vapour first and is collected separately.'],
    ],
  },
  {
    name: 'biology',
    experts: [
      ['a biology teacher', 'walk you through how the living system works'],
      ['a field biologist who studies animals in the wild', 'explain it with real examples from nature'],
      ['a cell biologist', 'start from what happens at the level of cells'],
    ],
    facts: [
      ['What is photosynthesis?', 'Photosynthesis is the process plants use to make food from light. Using sunlight, they turn carbon dioxide and water into sugar and release oxygen.'],
      ['What is DNA?', 'DNA is the molecule that carries the genetic instructions in living things. It is shaped like a twisted ladder called a double helix.'],
      ['What does the heart do?', 'The heart is a muscle that pumps blood around the body. The blood carries oxygen and nutrients to the cells and takes waste away.'],
      ['What is a cell?', 'A cell is the smallest living unit. Some living things, like bacteria, are a single cell, while a human body has trillions of them.'],
      ['Why do leaves change colour in autumn?', 'In autumn, trees stop making green chlorophyll. As the green fades, yellow and orange pigments that were there all along become visible, and some trees make new red pigments.'],
      ['What is the difference between a virus and a bacterium?', 'A bacterium is a living single cell that can grow and divide by itself. A virus is much smaller and can only make copies of itself inside the cells of another living thing.'],
      ['What is pollination?', 'Pollination is the moving of pollen from the male part of a flower to the female part. It lets the plant make seeds, and it is often done by insects, birds or the wind.'],
      ['What is evolution?', 'Evolution is the change in living things over many generations. Individuals with traits that help them survive and reproduce pass those traits on, so the traits become more common.'],
      ['Why do we need to breathe oxygen?', 'Our cells use oxygen to release energy from food. This process, called respiration, also makes carbon dioxide, which we breathe out.'],
      ['What is a food chain?', 'A food chain shows who eats whom in a habitat. For example, grass is eaten by a rabbit, and the rabbit is eaten by a fox.'],
      ['What are mammals?', 'Mammals are warm-blooded animals that have hair or fur and feed their young with milk. Humans, dogs, whales and bats are all mammals.'],
      ['How many bones does an adult human have?', 'An adult human skeleton has 206 bones. Babies are born with more, but some of them join together while the child grows.'],
      ['What do red blood cells do?', 'Red blood cells carry oxygen from the lungs to the rest of the body. They contain a protein called haemoglobin, which gives blood its red colour.'],
      ['What is a gene?', 'A gene is a section of DNA that holds the instructions for making a particular protein. Genes are passed from parents to children and affect traits such as eye colour.'],
      ['Why do some animals hibernate?', 'Some animals hibernate to survive winter when food is scarce. Their body temperature, heart rate and breathing drop, so they use very little energy.'],
      ['What is the largest animal that has ever lived?', 'The blue whale is the largest animal known to have ever lived. It can grow to around 30 metres long.'],
      ['What is metamorphosis?', "Metamorphosis is a big change in body form during an animal's life. A caterpillar turning into a butterfly and a tadpole turning into a frog are examples."],
      ['What do the lungs do?', 'The lungs take in air so that oxygen can pass into the blood. At the same time, carbon dioxide passes out of the blood and is breathed out.'],
    ],
  },
  {
    name: 'astronomy',
    experts: [
      ['an astronomer who runs a public observatory', 'explain it the way I would to visitors at the telescope'],
      ['a planetary scientist', 'give you the facts we know from telescopes and space missions'],
      ['an astrophysicist', 'explain the physics behind it in plain words'],
    ],
    facts: [
      ['Why is it dark at night?', 'At night your side of the Earth faces away from the Sun. Without sunlight lighting up the air, the sky looks dark and the stars become visible.'],
      ['How long does the Earth take to go around the Sun?', 'The Earth takes about 365 and a quarter days to orbit the Sun. The extra quarter day is why a leap year adds one day every four years.'],
      ['What is the largest planet in our solar system?', 'Jupiter is the largest planet. It is a gas giant, and more than a thousand Earths could fit inside it.'],
      ['Why does the Moon seem to change shape during the month?', 'The Moon does not really change shape; we see different amounts of its sunlit side. As it orbits the Earth, the lit part we can see grows and shrinks, giving the phases.'],
      ['What is a light year?', 'A light year is the distance light travels in one year, about 9.5 trillion kilometres. It measures distance, not time.'],
      ['What is the closest star to Earth?', 'The closest star is the Sun. The next closest is Proxima Centauri, about 4.2 light years away.'],
      ['What causes the seasons on Earth?', "The seasons happen because the Earth's axis is tilted. As the Earth orbits the Sun, each half of the planet leans toward the Sun for part of the year and gets more direct sunlight."],
      ['What is a black hole?', 'A black hole is a region where gravity is so strong that nothing, not even light, can escape. Many form when very large stars collapse at the end of their lives.'],
      ['How many planets are in our solar system?', 'There are eight planets: Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus and Neptune. Pluto was reclassified in 2006 and is now called a dwarf planet.'],
      ['Why is Mars red?', 'The soil and dust on Mars contain a lot of iron oxide, which is rust. This gives the planet its reddish colour.'],
      ['What is a comet?', 'A comet is a ball of ice, dust and rock that orbits the Sun. When it comes close to the Sun, the ice turns to gas and forms a glowing tail.'],
      ['What is a galaxy?', 'A galaxy is a huge group of stars, gas and dust held together by gravity. Our galaxy is the Milky Way, and it contains hundreds of billions of stars.'],
      ['What is a solar eclipse?', "A solar eclipse happens when the Moon passes between the Sun and the Earth. The Moon blocks the Sun's light for places in its shadow."],
      ['Which planet is closest to the Sun?', 'Mercury is the closest planet to the Sun. It is also the smallest of the eight planets.'],
      ['What is a shooting star?', "A shooting star is not a star at all. It is a small piece of rock or dust from space that burns up as it enters the Earth's atmosphere, leaving a bright streak."],
      ['Why do astronauts float inside the space station?', 'The space station and the astronauts are falling around the Earth together. Because they fall at the same rate, the astronauts feel weightless and seem to float.'],
      ["What are Saturn's rings made of?", "Saturn's rings are made mostly of pieces of ice, with some rock and dust. The pieces range from tiny grains to chunks as big as a house."],
      ['How far is the Moon from the Earth?', 'The Moon is on average about 384,000 kilometres from the Earth. Light covers that distance in a little over one second.'],
    ],
  },
  {
    name: 'geology',
    experts: [
      ['a geologist who has spent years doing field work', 'explain what the rocks tell us'],
      ['an earth science teacher', 'explain it step by step'],
      ['a geology professor', 'start from the slow processes that shape the land'],
    ],
    facts: [
      ['What are the three main types of rock?', 'The three main types are igneous, sedimentary and metamorphic. Igneous rock forms from cooled melted rock, sedimentary rock from layers of sediment, and metamorphic rock from rock changed by heat and pressure.'],
      ['What causes earthquakes?', "Most earthquakes happen when huge plates of the Earth's crust slip past each other along faults. Stress builds up over years and is released suddenly, shaking the ground."],
      ['What are tectonic plates?', "Tectonic plates are giant slabs of the Earth's outer shell. They move slowly, a few centimetres a year, and their movement builds mountains and causes earthquakes."],
      ['How are fossils formed?', 'Most fossils form when a plant or animal is buried quickly in mud or sand. Over a very long time, minerals replace the remains or fill the space they leave, turning them into stone.'],
      ["What is the Earth's core made of?", "The Earth's core is made mostly of iron and nickel. The outer core is liquid, while the inner core is solid because of the enormous pressure."],
      ['How old is the Earth?', 'The Earth is about 4.5 billion years old. Scientists worked this out by dating very old rocks and meteorites.'],
      ['What is erosion?', 'Erosion is the wearing away and moving of rock and soil by water, wind or ice. Over millions of years, rivers can cut deep valleys this way.'],
      ['How was the Grand Canyon formed?', 'The Grand Canyon was carved mainly by the Colorado River over millions of years. As the land slowly rose, the river kept cutting down through the rock layers.'],
      ['What is a mineral?', 'A mineral is a natural solid with a fixed chemical make-up and an orderly crystal structure. Quartz, salt and diamond are all minerals.'],
      ['What is the hardest natural mineral?', 'Diamond is the hardest natural mineral. It is made of carbon atoms packed in a very strong crystal pattern.'],
      ['How are caves formed?', 'Many caves form when slightly acidic rainwater slowly dissolves limestone. Over thousands of years, the water widens cracks into tunnels and chambers.'],
      ['What is a stalactite?', 'A stalactite is a stone icicle that hangs from a cave roof. It grows as dripping water leaves behind tiny amounts of dissolved minerals.'],
      ['What is sandstone?', 'Sandstone is a sedimentary rock made of grains of sand pressed and cemented together. It often shows layers from the way the sand was laid down.'],
      ['How do mountains form?', 'Most large mountain ranges form where tectonic plates push together. The crust crumples and folds upward, which is how the Himalayas were made.'],
      ['What is a glacier?', 'A glacier is a large, slow-moving mass of ice formed from snow piled up over many years. As it moves, it scrapes and shapes the land beneath it.'],
      ['What is soil made of?', 'Soil is a mixture of tiny rock pieces, decayed plant and animal matter, water and air. It can take hundreds of years to form a few centimetres of it.'],
      ['What is the Richter scale?', 'The Richter scale was an early way to measure the size of earthquakes. Each whole number step means about ten times more ground shaking, and today scientists mostly use a similar scale called moment magnitude.'],
      ['What is marble?', 'Marble is a metamorphic rock that forms when limestone is changed by heat and pressure. It is prized for statues and buildings because it can be carved and polished.'],
    ],
  },
  {
    name: 'history',
    experts: [
      ['a historian who teaches world history', 'set the events in their wider context'],
      ['a museum curator of historical objects', 'stick to what the evidence shows'],
      ['a history professor', 'give you the key dates and causes'],
    ],
    facts: [
      ['Who was the first person to walk on the Moon?', 'Neil Armstrong was the first person to walk on the Moon, on 20 July 1969, during the Apollo 11 mission. Buzz Aldrin joined him shortly after.'],
      ['When did World War Two end?', 'World War Two ended in 1945. Germany surrendered in May, and Japan surrendered in August, with the formal signing on 2 September.'],
      ['Who built the pyramids of Giza?', 'The pyramids of Giza were built by ancient Egyptians about 4,500 years ago. They were tombs for pharaohs, and the building was done by large, organised teams of skilled workers.'],
      ['What was the Renaissance?', 'The Renaissance was a period of renewed interest in art, science and classical learning in Europe. It began in Italy in the 1300s and spread over the next two centuries.'],
      ['Who was Julius Caesar?', 'Julius Caesar was a Roman general and political leader. He took control of Rome and was killed by a group of senators in 44 BC.'],
      ['What was the Industrial Revolution?', 'The Industrial Revolution was the shift from hand work to machines and factories. It began in Britain in the late 1700s and was driven by steam power, coal and iron.'],
      ['When did the Berlin Wall fall?', 'The Berlin Wall fell on 9 November 1989, when East Germany opened its border crossings. Germany was reunited less than a year later, in October 1990.'],
      ['What was the Magna Carta?', 'The Magna Carta was a charter agreed by King John of England in 1215. It said that the king too had to follow the law, and it later inspired ideas about rights and fair trials.'],
      ['Who was Cleopatra?', 'Cleopatra was the last active ruler of the Ptolemaic kingdom of Egypt. She was allied with the Romans Julius Caesar and Mark Antony and died in 30 BC.'],
      ['What was the Silk Road?', 'The Silk Road was a network of trade routes linking China with Central Asia, the Middle East and Europe. Along it travelled silk and spices, and also ideas and religions.'],
      ['Why did the Titanic sink?', 'The Titanic hit an iceberg on its first voyage in April 1912. The collision opened several of its front compartments to the sea, and there were not enough lifeboats for everyone on board.'],
      ['Who invented the printing press?', 'Johannes Gutenberg developed a printing press with movable metal type in Germany around 1440. It made books much cheaper and helped spread knowledge across Europe.'],
      ['What was the Cold War?', 'The Cold War was a long period of tension between the United States and the Soviet Union, from about 1947 to 1991. The two sides competed in weapons, space and influence without fighting a direct war.'],
      ['When did the French Revolution begin?', 'The French Revolution began in 1789. The storming of the Bastille prison in Paris on 14 July is often seen as its start.'],
      ['Who were the Vikings?', 'The Vikings were seafaring people from Scandinavia who raided, traded and settled across Europe from about 800 to 1050 AD. They reached as far as North America.'],
      ['What was the Great Wall of China built for?', 'The Great Wall was built to protect Chinese states and empires from raids by groups from the north. Much of the wall standing today was built during the Ming dynasty.'],
      ['Who was Nelson Mandela?', "Nelson Mandela was a South African leader who fought against apartheid. He spent 27 years in prison and became the country's first Black president in 1994."],
      ['What were the Middle Ages?', 'The Middle Ages were the period in European history from about 500 to 1500 AD. They lay between the fall of the Western Roman Empire and the Renaissance.'],
    ],
  },
  {
    name: 'geography',
    experts: [
      ['a geography teacher', 'explain it with the map in mind'],
      ['a cartographer who has drawn maps for atlases', 'point out where it is and why it matters'],
      ['a physical geographer', 'describe the land and water involved'],
    ],
    facts: [
      ['What is the longest river in the world?', 'The Nile and the Amazon are the two longest rivers, each more than 6,400 kilometres long. The Nile is usually listed as the longest, though some measurements favour the Amazon.'],
      ['What is the highest mountain in the world?', 'Mount Everest is the highest mountain above sea level, at about 8,849 metres. It stands on the border between Nepal and China.'],
      ['What is the largest ocean?', "The Pacific Ocean is the largest and deepest ocean. It covers about a third of the Earth's surface."],
      ['How many continents are there?', 'There are usually said to be seven continents: Africa, Antarctica, Asia, Australia, Europe, North America and South America. Asia is the largest.'],
      ['What is the capital of Australia?', 'The capital of Australia is Canberra. It was chosen as a compromise between the two largest cities, Sydney and Melbourne.'],
      ['What is the largest desert in the world?', 'The largest desert is Antarctica, because a desert is any place with very little rain or snow. The largest hot desert is the Sahara in North Africa.'],
      ['What is the equator?', 'The equator is an imaginary line around the middle of the Earth, halfway between the North and South Poles. Places near it are warm all year.'],
      ['Which country has the most people?', 'India has the largest population, having passed China in 2023. Each of the two has more than 1.4 billion people.'],
      ['What is a river delta?', 'A delta is flat land formed where a river slows down and drops its sand and mud as it enters the sea or a lake. The Nile delta in Egypt is a famous example.'],
      ['What is the smallest country in the world?', 'Vatican City is the smallest country, covering less than half a square kilometre. It lies inside the city of Rome.'],
      ['What are lines of latitude?', 'Lines of latitude run east to west around the Earth and measure how far north or south a place is. The equator is zero degrees, and the poles are 90 degrees.'],
      ['What is the deepest point in the ocean?', 'The deepest known point is the Challenger Deep in the Mariana Trench in the Pacific Ocean. It is nearly 11,000 metres deep.'],
      ['Which is the largest country by area?', 'Russia is the largest country by area. It spans eleven time zones across Europe and Asia.'],
      ['What is a fjord?', 'A fjord is a long, narrow inlet of the sea with steep sides, carved by a glacier. Norway is famous for its fjords.'],
      ['What is the largest lake in Africa?', 'Lake Victoria is the largest lake in Africa. It is shared by Uganda, Kenya and Tanzania.'],
      ['What is an island?', 'An island is a piece of land completely surrounded by water. Greenland is the largest island in the world.'],
      ['Which river flows through Paris?', 'The Seine flows through Paris. It continues north-west and reaches the English Channel at Le Havre.'],
      ['What is a rainforest?', "A rainforest is a dense forest that gets a lot of rain all year. Tropical rainforests, such as the Amazon, are home to a huge share of the world's plant and animal species."],
    ],
  },
  {
    name: 'law',
    experts: [
      ['a lawyer who explains the law to the public', 'explain the general idea, not advice for a particular case'],
      ['a law professor', 'set out the basic principle clearly'],
      ['a retired judge', 'explain how courts usually see it, while noting that rules differ between countries'],
    ],
    facts: [
      ['What is a contract?', 'A contract is an agreement between two or more parties that the law will enforce. It usually needs an offer, an acceptance and something of value exchanged by each side.'],
      ['What does the phrase innocent until proven guilty mean?', 'It means a person accused of a crime is treated as innocent unless the prosecution proves guilt. In many countries, the proof must be beyond reasonable doubt.'],
      ['What is the difference between civil law and criminal law?', 'Criminal law deals with offences against society, and the state brings the case and can punish. Civil law deals with disputes between people or companies, such as over contracts or damage, and usually ends in payment or a court order.'],
      ['What is a will?', 'A will is a legal document that says how a person wants their property shared after they die. It can also name someone to carry out those wishes.'],
      ['What is copyright?', 'Copyright is a legal right that protects original works such as books, music and software. It lets the creator control copying and sharing for a limited time.'],
      ['What is a jury?', 'A jury is a group of ordinary citizens chosen to decide the facts in a trial. In criminal cases, they decide whether the accused is guilty or not guilty.'],
      ['What is a patent?', 'A patent gives an inventor the right to stop others from making or selling their invention for a limited time, usually 20 years. In return, the invention is described publicly.'],
      ['What is a lease?', 'A lease is a contract in which an owner lets someone use property, such as a flat, for a set time in return for rent. It sets out the rights and duties of both sides.'],
      ['What is a trademark?', 'A trademark is a sign, such as a name or logo, that identifies the goods of one business. Registering it stops others from using a confusingly similar mark.'],
      ['What does a notary do?', 'A notary is an official who witnesses signatures and confirms the identity of the people signing documents. Their exact duties vary from country to country.'],
      ['What is a constitution for?', "A constitution sets out the basic rules of a country's government. It says how power is shared and often lists the rights of citizens."],
      ['What is defamation?', "Defamation is making a false statement that harms someone's reputation. Written defamation is often called libel, and spoken defamation is called slander."],
      ['What is an appeal in court?', 'An appeal is a request to a higher court to review the decision of a lower court. The higher court checks whether the law was applied correctly.'],
      ['What is a statute of limitations?', 'A statute of limitations is a time limit for starting a legal case. After it runs out, a claim usually can no longer be brought, though the limits differ by country and type of case.'],
      ['What does it mean to sue someone?', 'To sue someone is to start a civil case against them in court. The person suing asks the court for a remedy, such as money for harm they suffered.'],
      ['What is a witness?', 'A witness is a person who tells a court what they saw, heard or know about a case. They usually promise to tell the truth before giving evidence.'],
      ['What is bail?', 'Bail is the temporary release of an accused person while they wait for trial. It may come with conditions, and sometimes a sum of money is paid to make sure they return to court.'],
      ['What is a power of attorney?', 'A power of attorney is a legal document that lets one person act for another, for example to manage money or sign papers. It is often set up in case someone becomes unable to decide for themselves.'],
    ],
  },
  {
    name: 'health',
    experts: [
      ['a family doctor', 'give you general facts, not personal medical advice'],
      ['a pediatric nurse with twenty years on the ward', 'explain it in calm, simple terms'],
      ['a public health researcher', 'tell you what the evidence says'],
    ],
    facts: [
      ['Why is sleep important?', 'During sleep, the body repairs itself and the brain sorts and stores memories. Most adults need about seven to nine hours a night to feel and work their best.'],
      ['Why should you wash your hands?', 'Washing your hands with soap removes germs that can cause illness. It is one of the simplest ways to stop colds and stomach bugs from spreading.'],
      ['What does a vaccine do?', 'A vaccine trains the immune system to recognise a germ without causing the disease. If the real germ arrives later, the body can fight it off faster.'],
      ['Why is drinking water important?', 'Water helps control body temperature, carries nutrients and removes waste. The body loses water all day through breathing, sweat and urine, so it needs to be replaced.'],
      ['What is a fever?', 'A fever is a body temperature higher than normal, often above 38 degrees Celsius. It is usually a sign that the body is fighting an infection.'],
      ['Why is exercise good for you?', 'Regular exercise strengthens the heart, muscles and bones. It also lowers the risk of many diseases and can improve mood and sleep.'],
      ['What is the immune system?', "The immune system is the body's defence against germs. It includes white blood cells, antibodies and organs such as the spleen and lymph nodes."],
      ['Do antibiotics work against colds?', 'No. Colds are caused by viruses, and antibiotics only work against bacteria. Using antibiotics when they are not needed helps bacteria become resistant.'],
      ['What is blood pressure?', 'Blood pressure is the force of blood pushing against the walls of the arteries. It is given as two numbers: the pressure when the heart beats and the pressure when it rests between beats.'],
      ['Why do we need vitamin D?', 'Vitamin D helps the body absorb calcium, which keeps bones strong. The skin makes it in sunlight, and it is also found in oily fish and eggs.'],
      ['What is an allergy?', 'An allergy is when the immune system reacts to something that is usually harmless, such as pollen or peanuts. Reactions range from sneezing and itching to, rarely, a dangerous reaction that needs emergency care.'],
      ['Why is sunscreen recommended?', 'Sunscreen helps protect the skin from ultraviolet rays, which cause sunburn and raise the risk of skin cancer. It works best together with shade and clothing.'],
      ['What is the first aid for a small cut?', 'Clean the cut with running water, press gently with a clean cloth to stop the bleeding, and cover it with a plaster. See a doctor if it is deep, will not stop bleeding, or shows signs of infection.'],
      ['What is the difference between a cold and the flu?', 'Both are caused by viruses, but the flu usually comes on faster and is more severe, with fever, aches and tiredness. A cold is milder and mostly affects the nose and throat.'],
      ['Why is fibre good for you?', 'Fibre helps keep digestion regular and makes you feel full. It is found in whole grains, beans, fruit and vegetables.'],
      ['What does the liver do?', 'The liver cleans the blood of harmful substances, makes bile to help digest fat, and stores energy. It is the largest organ inside the body.'],
      ['What is a calorie?', 'A calorie is a unit of energy. On food labels it tells you how much energy the food gives the body.'],
      ['Why do doctors say to avoid smoking?', 'Smoking damages the lungs, heart and blood vessels. It is a leading cause of lung cancer, heart disease and stroke.'],
    ],
  },
  {
    name: 'cooking',
    experts: [
      ['a professional chef', 'give you a tip that works in a real kitchen'],
      ['a baker who has run a bakery for fifteen years', 'explain why it works, not just what to do'],
      ['a home cook who teaches cooking classes', 'keep it simple and practical'],
    ],
    facts: [
      ['Why do you rest meat after cooking?', 'Resting lets the heat even out and the juices settle, so less of them run out when you cut the meat. A few minutes under loose foil is usually enough for a steak.'],
      ['Why do you add salt to pasta water?', 'Salt in the water seasons the pasta from the inside as it cooks. It does not make the water boil noticeably faster.'],
      ['How do you know when pasta is done?', 'Taste a piece a minute or two before the time on the packet. It is ready when it is tender but still has a slight bite, which Italians call al dente.'],
      ['What does yeast do in bread?', 'Yeast feeds on sugars in the dough and gives off carbon dioxide gas. The gas gets trapped in the dough and makes the bread rise.'],
      ['What is the difference between baking soda and baking powder?', 'Baking soda needs an acid, such as buttermilk or lemon, to make it release gas. Baking powder already contains an acid, so it only needs moisture and heat.'],
      ['How can I stop onions making me cry?', 'Onions release a gas that irritates your eyes when you cut them. A sharp knife, a cold onion and good airflow all help to reduce it.'],
      ['What does it mean to simmer?', 'To simmer is to cook liquid just below boiling, with small bubbles rising gently. It cooks food evenly without breaking it apart.'],
      ['Why do you knead bread dough?', 'Kneading develops gluten, a stretchy network of proteins in the flour. Gluten traps the gas from the yeast and gives bread its chewy structure.'],
      ['How do you make rice fluffy?', 'Rinse the rice to remove extra starch, use the right amount of water, and let it rest covered for a few minutes after cooking. Fluff it gently with a fork before serving.'],
      ['What is caramelisation?', 'Caramelisation is the browning of sugar when it is heated. It creates rich, nutty flavours and a golden brown colour.'],
      ['How can you tell if an egg is fresh?', 'Place it in a bowl of water. A fresh egg sinks and lies flat, while an old egg stands up or floats because the air space inside has grown.'],
      ['Why should raw chicken be kept away from other food?', 'Raw chicken can carry bacteria such as salmonella. Keeping it apart, and washing boards and hands after touching it, stops those germs from spreading to food that will not be cooked.'],
      ['What is an emulsion in cooking?', 'An emulsion is a smooth mix of two liquids that normally do not mix, such as oil and vinegar. Mayonnaise is an emulsion held together by egg yolk.'],
      ['Why does bread go stale?', 'Bread goes stale mainly because the starch in it slowly forms crystals and becomes firm, not just because it dries out. Warming stale bread in an oven can soften it again for a short time.'],
      ['How do you cook green vegetables so they stay bright?', 'Cook them briefly in boiling water or steam, then serve them at once or cool them quickly in cold water. Overcooking turns them dull and soft.'],
      ['Why do recipes say to preheat the oven?', 'Preheating makes sure the food starts cooking at the right temperature. This matters most for baking, where cakes and bread need steady heat from the start to rise properly.'],
      ['What is a roux?', 'A roux is flour cooked in an equal amount of fat, usually butter. It is used to thicken sauces such as white sauce and gravy.'],
      ['How do you stop a cake sticking to the tin?', 'Grease the tin with butter or oil and line the base with baking paper. Let the cake cool for a few minutes before turning it out.'],
    ],
  },
  {
    name: 'programming',
    experts: [
      ['a senior software engineer', 'give you the idea and a practical tip'],
      ['a computer science teacher', 'explain it step by step'],
      ['a developer who reviews code for a living', 'explain it clearly and point out the common pitfalls'],
    ],
    facts: [
      ['What is a variable in programming?', 'A variable is a named place to store a value, such as a number or some text. The program can read the value later and change it.'],
      ['What is a loop?', 'A loop repeats a block of code several times. A for loop usually runs a set number of times, and a while loop runs as long as a condition stays true.'],
      ['What is a function in programming?', 'A function is a named block of code that does one task. You can call it many times, give it inputs, and get a result back.'],
      ['What is a bug?', 'A bug is a mistake in a program that makes it behave wrongly. Finding and fixing bugs is called debugging.'],
      ['What is the difference between a compiler and an interpreter?', 'A compiler translates the whole program into machine code before it runs. An interpreter reads and runs the program step by step, so it does not need a separate build step.'],
      ['What is an array?', 'An array is an ordered list of values stored under one name. Each value has a position, called an index, which usually starts at zero.'],
      ['What is version control?', 'Version control keeps a history of changes to files. Tools like Git let you go back to older versions and let several people work on the same code safely.'],
      ['What is an API?', 'An API, or application programming interface, is a set of rules that lets one program talk to another. For example, a weather app uses an API to ask a server for the forecast.'],
      ['Why do programmers write tests?', 'Tests check automatically that code does what it should. They catch mistakes early and make it safer to change the code later.'],
      ['What is an if statement?', 'An if statement runs some code only when a condition is true. An else part can say what to do when it is false.'],
      ['What is a string in programming?', 'A string is a piece of text in a program, such as a word or a sentence. It is usually written between quotation marks.'],
      ['What is recursion?', 'Recursion is when a function calls itself to solve a smaller version of the same problem. It needs a stopping case, or it will keep calling itself forever.'],
      ['What is open source software?', 'Open source software has source code that anyone can read, change and share under its licence. Linux and Firefox are well-known examples.'],
      ['What is a database?', 'A database is an organised store of data that programs can search and update quickly. Many databases keep data in tables and are queried with a language called SQL.'],
      ['What does HTML do?', 'HTML is the language that describes the structure of web pages. It marks up headings, paragraphs, links and images so the browser knows how to show them.'],
      ['What is a boolean?', 'A boolean is a value that can only be true or false. Booleans are used in conditions and comparisons.'],
      ['What is an infinite loop?', 'An infinite loop is a loop whose stopping condition is never met, so it runs forever. It usually makes the program freeze and is a common bug.'],
      ['What is the difference between the front end and the back end?', 'The front end is the part of an app that users see and click in the browser. The back end runs on a server and handles data, logic and storage.'],
    ],
  },
  {
    name: 'finance',
    experts: [
      ['a financial planner', 'explain the general idea, not advice for your situation'],
      ['a bank manager with decades of experience', 'keep it practical'],
      ['an accountant', 'walk through the numbers simply'],
    ],
    facts: [
      ['What is compound interest?', 'Compound interest is interest earned on both the original money and the interest already added. Over time this makes savings grow faster and faster.'],
      ['What is a budget?', 'A budget is a plan for how you will spend and save your money each month. It compares income with spending so you can see where the money goes.'],
      ['Why is an emergency fund useful?', 'An emergency fund is savings set aside for surprises, such as a broken boiler or a lost job. It means you do not need to borrow at high interest when something goes wrong.'],
      ['What is a credit score?', 'A credit score is a number that shows lenders how likely a person is to repay debt. Paying bills on time and keeping debts low usually improve it.'],
      ['What is a mortgage?', 'A mortgage is a loan used to buy a home, with the home itself as security. It is paid back over many years, often 25 to 30, with interest.'],
      ['What is a stock?', "A stock, or share, is a small piece of ownership in a company. Its price goes up and down with the company's prospects and demand from buyers."],
      ['What is diversification?', 'Diversification means spreading money across many different investments. If one does badly, the others may balance it out, which lowers the overall risk.'],
      ['What is the difference between a debit card and a credit card?', 'A debit card takes money straight from your bank account. A credit card lets you borrow up to a limit and pay it back later, with interest if you do not clear the balance in time.'],
      ['What is an index fund?', 'An index fund is an investment fund that tracks a market index, such as the S&P 500. It holds the same shares that the index does, so it usually has low fees and a broad spread.'],
      ['What does APR mean?', 'APR stands for annual percentage rate. It shows the yearly cost of borrowing, including interest and some fees, so you can compare loans.'],
      ['What is a bond?', 'A bond is a loan you make to a government or company. In return, they pay you interest and give your money back at the end of a set term.'],
      ['Why do people say to pay off high interest debt first?', 'Debt with high interest, such as credit card debt, grows quickly. Paying it off first saves the most money, since few safe investments earn more than that interest costs.'],
      ['What is a pension?', 'A pension is a plan for saving money during your working life to provide an income when you retire. Employers and governments often add to it.'],
      ['What is net worth?', 'Net worth is everything you own minus everything you owe. A house, savings and investments count as assets, while loans count as debts.'],
      ['What is a dividend?', "A dividend is a share of a company's profit paid to its shareholders. Not all companies pay them, and the amount can change."],
      ['What is the difference between saving and investing?', 'Saving usually means keeping money safe in a bank account for short-term needs. Investing means buying things like shares that may grow more over time but can also lose value.'],
      ['What is a tax return?', 'A tax return is a form that reports your income to the tax authority. It is used to work out how much tax you owe or whether a refund is due.'],
      ['What is liquidity?', 'Liquidity is how quickly something can be turned into cash without losing value. Money in a current account is very liquid, while a house is not.'],
    ],
  },
  {
    name: 'economics',
    experts: [
      ['an economist', 'explain the main forces at work'],
      ['an economics teacher', 'explain it with a simple market example in mind'],
      ['a central bank analyst', 'look at it from the level of the whole economy'],
    ],
    facts: [
      ['What is inflation?', 'Inflation is a general rise in prices over time. It means the same amount of money buys a little less each year.'],
      ['What is supply and demand?', 'Supply is how much of a good sellers offer, and demand is how much buyers want. When demand rises and supply stays the same, prices usually go up.'],
      ['What is GDP?', 'GDP, or gross domestic product, is the total value of goods and services produced in a country in a year. It is used to measure the size of an economy.'],
      ['What is a recession?', 'A recession is a significant fall in economic activity lasting months or more. A common rule of thumb is two quarters in a row of shrinking GDP.'],
      ['What does a central bank do?', "A central bank manages a country's money supply and sets key interest rates. It aims to keep prices stable and the banking system safe."],
      ['What is unemployment?', 'Unemployment counts people who want a job and are looking for one but do not have one. It is usually given as a percentage of the labour force.'],
      ['What is opportunity cost?', 'Opportunity cost is the value of the best thing you give up when you make a choice. If you spend an evening studying, the opportunity cost might be the film you did not see.'],
      ['What is a monopoly?', 'A monopoly is a market with only one seller. Without competition, the seller can charge higher prices, which is why many countries regulate monopolies.'],
      ['Why do countries trade with each other?', 'Countries trade because each can produce some things more cheaply or better than others. By specialising and trading, both sides can end up with more.'],
      ['What is a tariff?', 'A tariff is a tax on goods brought in from another country. It makes imports more expensive and is often used to protect local producers.'],
      ['What are interest rates?', 'An interest rate is the price of borrowing money, shown as a percentage per year. Higher rates make loans cost more and saving pay more.'],
      ['What is a market economy?', 'In a market economy, prices and production are mostly decided by buyers and sellers rather than by the government. Most modern economies mix markets with some government control.'],
      ['What is deflation?', 'Deflation is a general fall in prices over time. It can sound good, but it may lead people to delay spending, which can slow the economy.'],
      ['What is the law of diminishing returns?', 'It says that adding more of one input, while others stay fixed, eventually adds less and less output. For example, a tenth worker in a small kitchen adds less than the second did.'],
      ['What is a subsidy?', 'A subsidy is money the government gives to support a business or activity. It can lower prices for buyers, for example on public transport.'],
      ['What is an exchange rate?', 'An exchange rate is the price of one currency in terms of another. It tells you, for example, how many dollars you get for one euro.'],
      ['What is scarcity in economics?', 'Scarcity means there are limited resources but unlimited wants. Because of it, people, businesses and governments must make choices.'],
      ['What is a public good?', 'A public good is something everyone can use and no one can easily be kept from using, such as street lighting or national defence. Because people can use it without paying, governments usually provide it.'],
    ],
  },
  {
    name: 'travel',
    experts: [
      ['a travel writer who has visited more than sixty countries', 'share the practical tips that matter on the road'],
      ['a tour guide', 'give you the practical, local view'],
      ['a flight attendant with fifteen years in the air', 'keep it calm and practical'],
    ],
    facts: [
      ['How can I avoid jet lag?', 'Shift your sleep an hour or so toward the new time zone a few days before you leave. On arrival, get daylight in the morning, drink water, and try to stay awake until local bedtime.'],
      ['Why should I make copies of my passport before a trip?', 'A copy makes it much easier to replace a lost or stolen passport at an embassy. Keep a paper copy apart from the original and a photo of it on your phone.'],
      ['What should go in a carry-on bag?', "Pack what you cannot do without if your checked bag is delayed: travel documents, any medicines you take, a charger, valuables and a change of clothes. Check the airline's size and liquid rules first."],
      ['How early should I get to the airport?', 'A common guide is about two hours before a domestic flight and three hours before an international flight. Busy airports and holiday seasons may need more time.'],
      ['What is travel insurance for?', 'Travel insurance covers costs from problems such as illness abroad, cancelled trips or lost luggage. Medical cover is the most important part when travelling outside your own country.'],
      ['How can I pack lighter?', 'Choose clothes in a few colours that all go together, and plan to wash things on the way. Rolling clothes saves space, and wearing your bulkiest shoes on the journey helps too.'],
      ['What is a visa?', 'A visa is official permission to enter or stay in a country for a set purpose and time. Whether you need one depends on your nationality and your destination.'],
      ['Is it better to use cash or card abroad?', "Cards are accepted widely and are often safer, but it is wise to carry a little local cash for small shops and transport. Check your bank's fees for foreign payments before you go."],
      ['Why do my ears pop on a plane?', 'Air pressure in the cabin changes as the plane climbs and descends. Your ears pop when the pressure inside them evens out with the cabin, which swallowing or yawning helps.'],
      ['How can I stay safe from pickpockets?', 'Keep valuables in a front pocket or a zipped bag worn in front of you, especially in crowds and on public transport. Do not keep all your money and cards in one place.'],
      ['What is the best way to find cheap flights?', 'Be flexible with dates and airports, compare prices on several sites, and book a few weeks or months ahead. Midweek flights are often cheaper than weekend ones.'],
      ['What should I do if my luggage is lost?', "Report it at the airline's desk before you leave the airport and keep the reference number. Keep receipts for things you have to buy, since the airline or your insurance may pay them back."],
      ['Why is it polite to learn a few words of the local language?', 'A few words like hello, please and thank you show respect and often make people warmer and more helpful. Even a small effort is usually appreciated.'],
      ['What is a hostel?', 'A hostel is cheap accommodation, often with shared dormitory rooms and a shared kitchen. It is popular with budget travellers and a good place to meet other people.'],
      ['How can I avoid getting sick from food when travelling?', 'Eat food that is freshly cooked and served hot, and choose busy places where food turns over quickly. Where tap water is unsafe, drink bottled water and avoid ice.'],
      ['What is an e-ticket?', "An e-ticket is an electronic ticket stored in the airline's system instead of on paper. You usually just need your booking reference and passport to check in."],
      ['What is a layover?', 'A layover is a stop between two flights on the same journey. A short one means less waiting, but leave enough time to change planes, especially if you must pass through security again.'],
      ['Why should I tell my bank before travelling abroad?', 'Some banks may block a card if they see sudden payments from another country, thinking it is fraud. Letting them know, or checking the settings in their app, helps avoid that.'],
    ],
  },
  {
    name: 'sport',
    experts: [
      ['a sports coach who has trained athletes for twenty years', 'explain it the way I would to a new player'],
      ['a sports journalist', 'give you the facts fans should know'],
      ['a personal trainer', 'keep it practical and safe'],
    ],
    facts: [
      ['How many players are on a football team?', 'A football, or soccer, team has eleven players on the field, including the goalkeeper. Teams can also bring on substitutes during a match.'],
      ['How often are the Summer Olympic Games held?', 'The Summer Olympic Games are held every four years. The Winter Games are also held every four years, two years apart from the summer ones.'],
      ['What is a marathon?', 'A marathon is a running race of 42.195 kilometres, or about 26.2 miles. The name comes from a Greek legend about a messenger who ran from Marathon to Athens.'],
      ['Why should you warm up before exercise?', 'A warm up raises your heart rate and body temperature and makes muscles more flexible. It helps you perform better and lowers the risk of injury.'],
      ['How many points is a basket worth in basketball?', 'A basket from inside the three-point line is worth two points, and one from beyond it is worth three. A free throw is worth one point.'],
      ['What is offside in football?', "A player is offside if, when the ball is passed to them, they are in the opponents' half and nearer to the goal line than both the ball and the second-last defender. It is only punished if that player becomes involved in the play."],
      ['How is tennis scored?', 'Points in a tennis game go love, 15, 30, 40 and then game. If both players reach 40, it is called deuce, and one player must then win two points in a row.'],
      ['How long is a swimming pool used for Olympic races?', 'An Olympic pool is 50 metres long. Many races also take place in 25 metre pools, called short course.'],
      ['What is a hat trick?', 'A hat trick is when one player scores three goals in a single game. The term started in cricket and spread to football, hockey and other sports.'],
      ['Why do athletes need rest days?', 'Muscles grow stronger while they recover, not during the workout itself. Rest days allow this repair and help prevent overuse injuries.'],
      ['What is a birdie in golf?', 'A birdie is a score of one stroke under par on a hole. Two under par is called an eagle.'],
      ['How many players does each basketball team have on court?', 'Each basketball team has five players on the court at a time. Teams can swap players often during the game.'],
      ['What is the Tour de France?', 'The Tour de France is a famous cycling race held every summer in France. It lasts about three weeks and covers more than 3,000 kilometres.'],
      ['What does a referee do?', 'A referee enforces the rules during a match. They decide on fouls, stop and restart play, and can warn or send off players.'],
      ['Why is stretching useful?', 'Stretching helps keep muscles and joints flexible, which makes movement easier. Gentle stretching after exercise, when muscles are warm, is often recommended.'],
      ['What is a penalty shootout?', 'A penalty shootout decides a knockout football match that is still level after extra time. Players from each team take turns shooting from the penalty spot, usually five each at first.'],
      ['How many sets are in a volleyball match?', 'An indoor volleyball match is played as the best of five sets. The first four sets go to 25 points and the fifth to 15, and a set must be won by two points.'],
      ['What is the World Cup?', "The FIFA World Cup is the top international football competition for men's national teams. It is held every four years, and there is also a women's World Cup every four years."],
    ],
  },
  {
    name: 'music',
    experts: [
      ['a music teacher', 'explain it with a simple example you can hear'],
      ['a concert pianist', "explain it from a player's point of view"],
      ['a music historian', 'add a little of the history behind it'],
    ],
    facts: [
      ['What is a chord?', 'A chord is three or more notes played at the same time. The most common chords are major, which sound bright, and minor, which sound darker.'],
      ['How many keys does a standard piano have?', 'A standard piano has 88 keys: 52 white and 36 black. They cover just over seven octaves.'],
      ['What is tempo?', 'Tempo is the speed of a piece of music. It is often measured in beats per minute, and Italian words like allegro, meaning fast, are used to describe it.'],
      ['What is an octave?', 'An octave is the distance between one note and the next note with the same name, higher or lower. The higher note vibrates twice as fast as the lower one.'],
      ['What does a conductor do?', 'A conductor leads an orchestra or choir. They set the tempo, cue players to come in, and shape how the music is played.'],
      ['What is the difference between major and minor keys?', 'Major keys usually sound bright and happy, while minor keys often sound sad or serious. The difference comes from the pattern of steps between the notes of the scale.'],
      ['Who was Mozart?', 'Wolfgang Amadeus Mozart was an Austrian composer who lived from 1756 to 1791. He wrote over 600 works, including operas, symphonies and piano concertos.'],
      ['How many strings does a standard guitar have?', 'A standard guitar has six strings. In standard tuning they are tuned E, A, D, G, B and E from lowest to highest.'],
      ['What is rhythm?', 'Rhythm is the pattern of long and short sounds and silences in music. It is what you tap your foot to.'],
      ['What are the sections of an orchestra?', 'An orchestra has four main sections: strings, woodwind, brass and percussion. The strings are usually the largest section.'],
      ['What is a time signature?', 'A time signature tells you how many beats are in each bar and which note gets one beat. In 4/4 time there are four quarter-note beats in a bar.'],
      ['What is a scale in music?', 'A scale is a set of notes in order of pitch, going up or down. The C major scale uses only the white keys of the piano from C to C.'],
      ['How does a violin make its sound?', 'When the bow is drawn across a string, the string vibrates. The wooden body picks up the vibration and makes it louder.'],
      ['What is jazz?', 'Jazz is a style of music that began among African American communities in New Orleans in the early 1900s. It is known for swing rhythms and improvisation.'],
      ['What does it mean to improvise in music?', 'To improvise is to make up music on the spot while playing. It is central to jazz and many folk styles.'],
      ['What is harmony?', 'Harmony is the sound of different notes played together, and how chords move from one to the next. It supports the melody.'],
      ['What is a melody?', 'A melody is a series of single notes that form a tune. It is the part of a song you usually hum or sing.'],
      ['Who was Beethoven?', 'Ludwig van Beethoven was a German composer who lived from 1770 to 1827. He kept composing even after he became deaf, and his nine symphonies are among the most famous in the world.'],
    ],
  },
  {
    name: 'art',
    experts: [
      ['a painter who teaches evening art classes', 'explain it the way I would in the studio'],
      ['an art historian', 'set it in its time and place'],
      ['a museum curator', 'point out what to look for'],
    ],
    facts: [
      ['Who painted the Mona Lisa?', 'Leonardo da Vinci painted the Mona Lisa in the early 1500s. It hangs in the Louvre museum in Paris.'],
      ['What are the primary colours in painting?', 'In traditional painting, the primary colours are red, yellow and blue. They can be mixed to make many other colours, but cannot be made by mixing others.'],
      ['What is perspective in art?', 'Perspective is a way of showing depth on a flat surface. Lines that go into the distance meet at a vanishing point, so far things look smaller.'],
      ['What is Impressionism?', 'Impressionism was an art movement that began in France in the 1870s. Painters like Monet used quick brushstrokes and bright colour to capture light and passing moments.'],
      ['What is a sculpture?', 'A sculpture is a three-dimensional work of art. It can be carved from stone or wood, modelled in clay, or cast in metal such as bronze.'],
      ['What is a fresco?', 'A fresco is a painting made on fresh, wet plaster, usually on a wall or ceiling. As the plaster dries, the paint becomes part of the wall.'],
      ['Who painted The Starry Night?', 'Vincent van Gogh painted The Starry Night in 1889. It shows a swirling night sky over a small village.'],
      ['What is a complementary colour?', 'Complementary colours sit opposite each other on the colour wheel, such as red and green or blue and orange. Placed side by side, they make each other look brighter.'],
      ['What is watercolour?', 'Watercolour is paint made with pigment that is mixed with water. It is usually painted on paper and is known for its light, see-through layers.'],
      ['What is abstract art?', 'Abstract art does not try to show things the way they look in real life. It uses shapes, colours and lines to create an effect or express a feeling.'],
      ['Who painted the ceiling of the Sistine Chapel?', 'Michelangelo painted the Sistine Chapel ceiling between 1508 and 1512. It includes the famous scene of the creation of Adam.'],
      ['What is a self-portrait?', 'A self-portrait is a picture an artist makes of themselves. Rembrandt and Frida Kahlo are known for painting many of them.'],
      ['What is the golden ratio in art?', 'The golden ratio is a proportion of about 1 to 1.618. Some artists and designers use it to arrange a picture in a way that feels balanced.'],
      ['What is a still life?', 'A still life is a picture of objects that do not move, such as fruit, flowers or bottles. It lets the artist study shape, light and texture.'],
      ['What is Cubism?', 'Cubism was an art movement started by Pablo Picasso and Georges Braque around 1907. It shows objects from several viewpoints at once, broken into geometric shapes.'],
      ['How do you mix the colour green?', 'Mix blue and yellow paint to get green. More yellow gives a lighter, warmer green, and more blue gives a deeper, cooler green.'],
      ['What is a mural?', 'A mural is a large painting made directly on a wall or ceiling. Murals are often found in public places and can tell a story about a community.'],
      ['What is chiaroscuro?', 'Chiaroscuro is the use of strong contrast between light and dark in a painting. It makes figures look solid and dramatic, and Caravaggio was a master of it.'],
    ],
  },
  {
    name: 'gardening',
    experts: [
      ['a gardener with thirty years of growing vegetables', 'give you advice that works in a real garden'],
      ['a botanist', 'explain what the plant needs and why'],
      ['a horticulturist at a public garden', 'keep it practical and seasonal'],
    ],
    facts: [
      ['How often should I water houseplants?', 'Most houseplants should be watered when the top few centimetres of soil feel dry. Overwatering kills more houseplants than underwatering.'],
      ['What is compost?', 'Compost is decayed plant and food waste that becomes rich, dark soil. Adding it to a garden feeds plants and improves the soil.'],
      ['Why do plants need sunlight?', 'Plants use sunlight to make their own food by photosynthesis. Without enough light, they grow weak, pale and leggy.'],
      ['When is the best time to water a garden?', 'Early morning is usually best. The water has time to soak in before the heat of the day, and leaves dry quickly, which helps prevent disease.'],
      ['What is mulch?', 'Mulch is a layer of material, such as bark or straw, spread on the soil surface. It keeps moisture in, keeps weeds down and protects roots from heat and cold.'],
      ['Why should I prune plants?', 'Pruning removes dead or damaged growth and shapes the plant. It can also encourage more flowers or fruit and let light and air reach the centre.'],
      ['How deep should I plant seeds?', 'A good rule is to plant a seed about two to three times as deep as it is wide. Very fine seeds are often just pressed onto the surface.'],
      ['What are perennials?', 'Perennials are plants that live for more than two years, coming back each season. Annuals, by contrast, complete their life in a single year.'],
      ['How can I keep slugs off my plants?', 'Pick them off in the evening, use barriers such as copper tape or grit, and encourage predators like birds and frogs. Keeping the area around plants tidy also helps.'],
      ['What does it mean when leaves turn yellow?', 'Yellow leaves often mean too much water, poor drainage or a lack of nutrients such as nitrogen. Older leaves yellowing now and then is normal.'],
      ['What is crop rotation?', 'Crop rotation means growing different types of crops in a bed each year. It helps stop pests and diseases building up and keeps the soil balanced.'],
      ['Why do tomatoes split?', 'Tomatoes often split after heavy watering or rain following a dry spell. The fruit swells faster than its skin can stretch, so watering evenly helps prevent it.'],
      ['What is a seedling?', 'A seedling is a young plant that has just grown from a seed. It needs gentle light, warmth and careful watering until it is strong enough to plant out.'],
      ['How do I know what type of soil I have?', 'Squeeze a handful of damp soil. Clay soil feels sticky and holds its shape, sandy soil feels gritty and falls apart, and loam is crumbly and in between.'],
      ['What are weeds?', 'Weeds are plants growing where they are not wanted. They compete with garden plants for light, water and nutrients.'],
      ['Why are earthworms good for the garden?', 'Earthworms tunnel through the soil, letting in air and water. They also break down dead plant matter into rich castings that feed plants.'],
      ['When should I plant spring bulbs?', 'Spring flowering bulbs, such as tulips and daffodils, are planted in autumn. They need a period of cold in the ground before they flower.'],
      ['What is deadheading?', 'Deadheading is removing faded flowers from a plant. It stops the plant putting energy into seeds and often encourages more blooms.'],
    ],
  },
  {
    name: 'pet care',
    experts: [
      ['a vet who has treated pets for twenty years', 'give you general guidance and say when to see a vet'],
      ['an animal behaviour specialist', "explain it from the animal's side"],
      ['a veterinary nurse', 'keep it kind and practical'],
    ],
    facts: [
      ['How often should I walk my dog?', 'Most dogs need at least one or two walks a day, but the amount depends on breed, age and health. Active breeds may need an hour or more of exercise daily.'],
      ['Why is chocolate dangerous for dogs?', 'Chocolate contains theobromine, which dogs break down very slowly. It can cause vomiting and a racing heart and in large amounts can kill, so contact a vet if a dog eats it.'],
      ['Why do cats purr?', 'Cats often purr when they are relaxed and content. They can also purr when stressed or unwell, possibly to calm themselves.'],
      ['How often should I feed my cat?', 'Most adult cats do well with two meals a day at regular times. Kittens need smaller meals more often, and fresh water should always be available.'],
      ['Why does my dog wag its tail?', 'Tail wagging is a way dogs communicate. A loose, wide wag usually means happiness, while a stiff or high wag can mean the dog is alert or unsure.'],
      ['Do indoor cats need vaccinations?', 'Yes, vets generally recommend core vaccinations even for indoor cats. Germs can come in on shoes and clothes, and cats sometimes escape.'],
      ['How can I stop my puppy biting?', 'Puppies bite while playing and teething. Stop play when teeth touch skin and offer a chew toy instead, so the puppy learns what is allowed.'],
      ['Why are pets neutered?', 'Neutering prevents unwanted litters and can reduce some health problems and behaviours such as roaming. A vet can advise on the right age for each pet.'],
      ['How often should I clean a fish tank?', 'Change about 10 to 20 percent of the water every week or two rather than emptying it all. This keeps the water clean without disturbing the helpful bacteria.'],
      ['What is a microchip for pets?', "A microchip is a tiny chip placed under a pet's skin that holds an ID number. If the pet is lost, a vet or shelter can scan it and contact the owner."],
      ['Why does my cat scratch furniture?', 'Scratching keeps claws healthy, stretches muscles and marks territory. A sturdy scratching post placed near the furniture gives the cat a better option.'],
      ['Can rabbits live alone?', 'Rabbits are social animals and are usually happier with a rabbit companion. A lone rabbit needs a lot of daily attention from its owner.'],
      ['What should I feed a pet rabbit?', "A rabbit's diet should be mostly hay, which keeps its gut and teeth healthy. Add fresh leafy greens and a small amount of pellets."],
      ['How can I tell if my dog is too hot?', 'Signs include heavy panting, drooling, weakness and bright red gums. Move the dog somewhere cool, offer water and contact a vet, since heatstroke can be serious.'],
      ['Why do dogs need their nails trimmed?', 'Long nails can make walking painful and can split or grow into the paw. Dogs that walk mostly on soft ground often need trims more often.'],
      ['How long do cats usually live?', 'Indoor cats often live 12 to 18 years, and some live past 20. Good food, vet care and a safe home help them live longer.'],
      ['Why does my dog eat grass?', 'Many dogs eat grass now and then, and it is usually harmless. They may like the taste or texture, but frequent grass eating with sickness is worth asking a vet about.'],
      ['How can I help a new pet settle in?', 'Give it a quiet space of its own, keep a steady routine, and let it explore at its own pace. Patience in the first few weeks builds trust.'],
    ],
  },
  {
    name: 'home repair',
    experts: [
      ['a builder with twenty-five years on building sites', 'give you the safe, practical steps'],
      ['a handyman who has fixed thousands of homes', 'keep it simple and safe'],
      ['a home inspector', 'point out what to check first'],
    ],
    facts: [
      ['How do I fix a dripping tap?', 'A drip is usually caused by a worn washer or cartridge. Turn off the water supply, take the tap apart, replace the worn part and put it back together.'],
      ['How do I unblock a sink?', 'Try a plunger first, or pour hot water down the drain. If that fails, clean out the U-shaped trap under the sink, where blockages often collect.'],
      ['What is the best way to fill a small hole in a wall?', 'Fill it with filler using a putty knife, let it dry, then sand it smooth. Paint over it so it matches the rest of the wall.'],
      ['Why does a door squeak?', 'A squeaking door usually has dry hinges. A little oil or lubricant on the hinge pins normally stops the noise.'],
      ['How can I find a wall stud?', 'Use a stud finder, or knock on the wall and listen for a solid sound rather than a hollow one. Studs are often spaced about 40 to 60 centimetres apart.'],
      ['What is a load-bearing wall?', 'A load-bearing wall carries weight from the floors or roof above down to the foundation. It should never be removed without advice from a structural engineer.', ['a seasoned structural engineer', 'look first at what actually carries the load']],
      ['Why should I turn off the power before changing a light fitting?', 'Live wires can give a serious electric shock. Switch off the circuit at the fuse box and check that it is dead before touching any wires.'],
      ['How do I stop a toilet running?', 'A running toilet often has a worn flapper or a float set too high. Adjusting the float or replacing the flapper usually fixes it.'],
      ['Why do windows get condensation on the inside?', 'Warm, moist indoor air cools when it touches cold glass, and the water in it turns to droplets. Better airflow, extractor fans and drying clothes outside can reduce it.'],
      ['What is grout?', 'Grout is the paste that fills the gaps between tiles. It holds them in place and keeps water out, and it can be cleaned or replaced when it gets dirty or cracked.'],
      ['How do I bleed a radiator?', 'With the heating off, open the small valve at the top with a radiator key until air hisses out and water starts to drip. Close it again and check the boiler pressure.'],
      ['What does a circuit breaker do?', 'A circuit breaker cuts the power automatically when too much current flows, for example during a fault. This helps prevent fires and electric shocks.'],
      ['How can I make a room less draughty?', 'Seal gaps around windows and doors with draught strips, and use a draught excluder at the bottom of doors. Thick curtains also help keep warmth in.'],
      ['What causes damp patches on walls?', 'Damp patches can come from leaks, rain getting in through cracks, rising damp from the ground, or condensation. Finding the source comes before any repair.'],
      ['How do I hang a heavy picture?', 'Fix it into a wall stud if you can, or use wall plugs or anchors rated for the weight. Check for hidden pipes and cables before drilling.'],
      ['Why does paint peel?', 'Paint usually peels because of moisture or poor preparation, such as painting over dirt, gloss or damp. Cleaning, sanding and priming the surface first helps paint stick.'],
      ['What is a spirit level?', 'A spirit level is a tool with a small bubble in a tube of liquid. When the bubble sits between the marks, the surface is exactly level or upright.'],
      ['How do I stop pipes freezing in winter?', 'Insulate pipes in cold spaces such as lofts and garages, and keep the heating on low while away from home. Knowing where your stop tap is lets you act fast if a pipe bursts.'],
    ],
  },
  {
    name: 'linguistics',
    experts: [
      ['a linguist', 'explain how language actually works'],
      ['an English teacher', 'give you clear examples'],
      ['a translator who works in four languages', 'compare languages where it helps'],
    ],
    facts: [
      ['What is a noun?', 'A noun is a word that names a person, place, thing or idea. Dog, London and happiness are all nouns.'],
      ['What is a verb?', 'A verb is a word for an action or a state, such as run, think or be. Every full sentence in English has one.'],
      ['How many languages are spoken in the world?', 'There are about 7,000 languages spoken in the world today. Many of them have very few speakers and are at risk of dying out.'],
      ['What is a dialect?', 'A dialect is a form of a language used in a particular region or group, with its own words, grammar or pronunciation. Speakers of different dialects can usually understand each other.'],
      ['What is a synonym?', 'A synonym is a word with the same or nearly the same meaning as another word. Big and large are synonyms.'],
      ['Where does the English language come from?', 'English is a Germanic language that grew from the speech of Anglo-Saxon settlers in Britain. Over time it borrowed many words from Latin, French and Norse.'],
      ['What is an adjective?', 'An adjective is a word that describes a noun. In the phrase a red car, the word red is an adjective.'],
      ['What is a palindrome?', 'A palindrome is a word or phrase that reads the same backwards and forwards. Level and racecar are examples.'],
      ['What is the most spoken language in the world?', 'English has the most speakers overall when people who learned it later in life are counted. Mandarin Chinese has the most native speakers.'],
      ['What is a prefix?', 'A prefix is a group of letters added to the start of a word to change its meaning. The un in unhappy is a prefix.'],
      ['What is an alphabet?', 'An alphabet is a set of letters, each standing roughly for a sound. The English alphabet has 26 letters.'],
      ['What is sign language?', 'Sign language is a full language that uses hand shapes, movements and facial expressions. There are many sign languages, such as British Sign Language and American Sign Language, each with its own grammar.'],
      ['What is a loanword?', 'A loanword is a word taken from another language. English borrowed ballet from French and piano from Italian.'],
      ['What is an idiom?', 'An idiom is a phrase whose meaning is different from the meanings of its words. For example, to break the ice means to ease tension when people first meet.'],
      ['Why is English spelling so irregular?', 'English spelling was mostly fixed before big changes in pronunciation had finished. It also keeps spellings from words borrowed from many other languages.'],
      ['What is a homophone?', "Homophones are words that sound the same but have different meanings or spellings. Their, there and they're are homophones."],
      ['What is grammar?', 'Grammar is the set of rules for how words are formed and combined into sentences in a language. Every language has grammar, even if it is never written down.'],
      ['What is a syllable?', 'A syllable is a unit of sound built around a vowel sound. The word garden has two syllables, gar and den.'],
    ],
  },
  {
    name: 'mathematics',
    experts: [
      ['a mathematics teacher', 'show you the idea step by step'],
      ['a mathematician', 'give you the precise definition and a simple example'],
      ['a maths tutor who helps students who find maths hard', 'keep it clear and friendly'],
    ],
    facts: [
      ['What is a prime number?', 'A prime number is a whole number greater than 1 that can only be divided evenly by 1 and itself. The first few primes are 2, 3, 5, 7 and 11.'],
      ['What is pi?', "Pi is the ratio of a circle's circumference to its diameter. It is about 3.14159, and its digits go on forever without repeating."],
      ['How do you find the area of a rectangle?', 'The area of a rectangle is its length times its width. A rectangle 4 metres long and 3 metres wide has an area of 12 square metres.'],
      ['How many degrees are in a triangle?', 'The angles inside any triangle add up to 180 degrees. This is true for every flat triangle, whatever its shape.'],
      ['What is a percentage?', 'A percentage is a number out of 100. For example, 25 percent means 25 out of every 100, which is one quarter.'],
      ['What is the Pythagorean theorem?', 'In a right-angled triangle, the square of the longest side equals the sum of the squares of the other two sides. If the two short sides are 3 and 4, the longest side is 5.'],
      ['What is a fraction?', 'A fraction shows part of a whole, written as one number over another. In three quarters, the 4 shows the whole is split into four parts and the 3 shows how many parts we have.'],
      ['What is an even number?', 'An even number can be divided by 2 with nothing left over. 2, 4, 6 and 100 are even, while 3 and 7 are odd.'],
      ['What is the square root of 81?', 'The square root of 81 is 9, because 9 times 9 equals 81. Minus 9 times minus 9 also equals 81.'],
      ['What is an average?', 'The most common average is the mean: add up all the values and divide by how many there are. The mean of 2, 4 and 9 is 15 divided by 3, which is 5.'],
      ['What do you get when you multiply a number by zero?', 'Any number times zero is zero. If you have zero groups of something, you have nothing at all.'],
      ['How do you find the circumference of a circle?', 'Multiply the diameter by pi, or multiply the radius by 2 and then by pi. A circle with a diameter of 10 centimetres has a circumference of about 31.4 centimetres.'],
      ['What is an equation?', 'An equation is a statement that two expressions are equal, joined by an equals sign. Solving it means finding the value that makes it true, such as x equals 4 in x plus 3 equals 7.'],
      ['What is a right angle?', 'A right angle is an angle of exactly 90 degrees, like the corner of a square. Two lines that meet at a right angle are perpendicular.'],
      ['What is probability?', 'Probability measures how likely something is to happen, from 0 for impossible to 1 for certain. The probability of a fair coin landing heads is one half.'],
      ['What is a negative number?', 'A negative number is less than zero, such as minus 5. Negative numbers are used for things like temperatures below freezing and money owed.'],
      ["Why can't you divide by zero?", 'Division asks what number, times the divisor, gives the starting number. No number times zero gives a non-zero answer, so dividing by zero has no meaningful result.'],
      ['What is a polygon?', 'A polygon is a flat, closed shape with straight sides. Triangles, squares and hexagons are all polygons.'],
    ],
  },
  {
    name: 'psychology',
    experts: [
      ['a clinical psychologist', 'explain it in everyday terms, not as a diagnosis'],
      ['a psychology lecturer', 'tell you what the research shows'],
      ['a school counsellor', 'keep it warm and practical'],
    ],
    facts: [
      ['What is stress?', "Stress is the body's response to pressure or threat. In short bursts it can help you focus, but long-lasting stress can harm sleep, mood and health."],
      ['What is short-term memory?', 'Short-term memory holds a small amount of information for a short time, such as a phone number you just heard. It can keep about seven items for around twenty seconds unless you repeat them.'],
      ['Why do we procrastinate?', 'People often put off tasks that feel boring, hard or uncertain, because avoiding them brings short-term relief. Breaking a task into small steps can make it easier to start.'],
      ['What is a habit?', 'A habit is a behaviour repeated so often that it becomes almost automatic. A popular model describes habits as a loop of a cue, a routine and a reward.'],
      ['What is empathy?', 'Empathy is the ability to understand and share the feelings of another person. It helps people connect and support each other.'],
      ['Why do we dream?', 'Scientists are not fully sure why we dream. Leading ideas are that dreams help process emotions and strengthen memories, and most vivid dreams happen during REM sleep.'],
      ['What is the placebo effect?', 'The placebo effect is when a person feels better after a treatment with no active ingredient, because they expect it to help. It shows how belief can affect how we feel.'],
      ['What is motivation?', 'Motivation is what drives us to start and keep going with a task. It can come from inside, such as enjoyment, or from outside, such as rewards.'],
      ['What is confirmation bias?', 'Confirmation bias is the habit of noticing and favouring information that supports what we already believe. It can lead people to ignore evidence against their views.'],
      ['What is anxiety?', 'Anxiety is a feeling of worry or fear about what might happen. Everyone feels it sometimes, but when it is strong and lasting, it may be worth talking to a professional.'],
      ['How can I improve my concentration?', 'Remove distractions such as phone alerts, work in focused blocks with short breaks, and get enough sleep. Regular exercise also helps attention.'],
      ['What is the difference between a psychologist and a psychiatrist?', 'A psychiatrist is a medical doctor who can prescribe medicine for mental health conditions. A psychologist usually focuses on talking therapies and testing, and in most places does not prescribe.'],
      ['What is introversion?', 'Introversion is a personality trait where a person feels recharged by time alone and can find large groups tiring. It is different from shyness, which is fear of social judgement.'],
      ['What is positive reinforcement?', 'Positive reinforcement means adding a reward after a behaviour to make it more likely to happen again. Praising a child for tidying up is an example.'],
      ['Why do we forget things?', 'Memories fade if they are not used, and new information can get in the way of old. Reviewing something several times over a few days helps it stick.'],
      ['What is a growth mindset?', 'A growth mindset is the belief that abilities can improve with effort and practice. People with it tend to see mistakes as chances to learn.'],
      ['What is body language?', 'Body language is the way we communicate through posture, gestures and facial expressions. It often shows feelings even when we do not say them.'],
      ['How does sleep help memory?', 'During sleep, the brain replays and strengthens what was learned during the day. Poor sleep makes it harder both to learn new things and to remember them.'],
    ],
  },
  {
    name: 'ecology',
    experts: [
      ['an ecologist', 'explain how the parts of the ecosystem connect'],
      ['a conservation scientist', 'tell you what the evidence shows and what helps'],
      ['a park ranger', 'explain it with what we see out on the trails'],
    ],
    facts: [
      ['What is an ecosystem?', 'An ecosystem is a community of living things together with their surroundings, such as soil, water and air. A pond, a forest and a coral reef are all ecosystems.'],
      ['What is biodiversity?', 'Biodiversity is the variety of life in a place, from genes to species to whole ecosystems. High biodiversity tends to make an ecosystem more stable.'],
      ['Why are coral reefs important?', 'Coral reefs are home to about a quarter of all ocean species, though they cover a tiny part of the sea floor. They also protect coasts from waves.'],
      ['What is the greenhouse effect?', 'The greenhouse effect is the warming caused by gases such as carbon dioxide trapping heat in the atmosphere. Without it the Earth would be freezing, but adding more of these gases is warming the planet.'],
      ['Why is recycling useful?', 'Recycling turns used materials into new products. It saves raw materials and energy and reduces the waste sent to landfill.'],
      ['What is an endangered species?', 'An endangered species is one at high risk of dying out in the wild. Habitat loss, hunting and climate change are common causes.'],
      ['What is deforestation?', 'Deforestation is the clearing of forests, often for farming, logging or building. It destroys habitats and releases carbon stored in the trees.'],
      ['What is a habitat?', "A habitat is the natural home of a plant or animal, where it finds food, water and shelter. A polar bear's habitat is the Arctic sea ice."],
      ['What is renewable energy?', 'Renewable energy comes from sources that are naturally replaced, such as sunlight, wind and flowing water. Unlike coal and oil, these sources do not run out.'],
      ['Why are wetlands important?', 'Wetlands filter water, store floodwater and provide homes for many birds, fish and plants. They also store large amounts of carbon.'],
      ['What is a keystone species?', 'A keystone species has a much larger effect on its ecosystem than its numbers suggest. Sea otters are one: they eat sea urchins, which would otherwise destroy kelp forests.'],
      ['What is plastic pollution?', 'Plastic pollution is plastic waste building up in the environment. Plastic can last hundreds of years, and animals may swallow it or get tangled in it.'],
      ['What is the carbon cycle?', 'The carbon cycle is the movement of carbon between the air, oceans, soil and living things. Plants take in carbon dioxide, and it returns to the air through breathing, decay and burning.'],
      ['What is an invasive species?', 'An invasive species is a plant or animal brought to a new area where it spreads and causes harm. Without natural predators, it can crowd out local species.'],
      ['What is acid rain?', 'Acid rain is rain made acidic by pollution, mainly sulphur dioxide and nitrogen oxides from burning fuels. It can harm forests, lakes and buildings.'],
      ['What is a food web?', 'A food web shows how many food chains in an ecosystem link together. It gives a fuller picture of who eats whom than a single chain.'],
      ['What is sustainable fishing?', 'Sustainable fishing means catching fish at a rate that lets their numbers stay healthy. It includes limits on catches and protection for breeding areas.'],
      ['What is a carbon footprint?', 'A carbon footprint is the total greenhouse gas produced by a person, product or activity. Travel, heating and food choices all add to it.'],
    ],
  },
];

// ---------------------------------------------------------------------------------------------------
// Held-out set: domains never seen in training, and question forms that training does not use
// ---------------------------------------------------------------------------------------------------

const HELDOUT_DOMAINS: readonly Domain[] = [
  {
    name: 'beekeeping',
    experts: [
      ['a beekeeper who has kept hives for twenty years', 'explain what is really going on inside the hive'],
      ['an entomologist who studies honey bees', 'give you the biology in plain words'],
    ],
    facts: [
      ['Is it true that a bee colony has only one queen?', 'Usually, yes. A healthy colony has a single queen who lays the eggs, while thousands of female worker bees do the other jobs.'],
      ['Tell me why beekeepers use smoke around hives.', 'Smoke calms the bees by masking their alarm scent, which they use to call others to defend the hive. It makes opening the hive safer for both the bees and the beekeeper.'],
      ["I've always wondered how bees turn nectar into honey.", 'Bees carry nectar back to the hive and pass it between workers, adding enzymes. They fan it with their wings to dry it out until it thickens into honey, then seal it in wax cells.'],
      ['Could you explain what drones do in a hive?', 'Drones are the male bees. Their main job is to mate with a queen from another colony, and they do not collect food or sting.'],
      ['My neighbour says bees die after they sting. Is that right?', 'It is true for honey bee workers stinging mammals like us, because their barbed sting gets stuck in the skin and tears away. Many other bees and wasps can sting more than once.'],
      ['In a few words, what is a swarm?', 'A swarm is a large group of bees that leaves the hive with the old queen to start a new colony. It is the way honey bee colonies multiply.'],
    ],
  },
  {
    name: 'sailing',
    experts: [
      ['a sailing instructor with many seasons on the water', 'keep it clear and safe'],
      ['a harbour master', 'explain it the way sailors use it'],
    ],
    facts: [
      ['Is it true that a sailboat can sail into the wind?', 'Not straight into it, but close to it. A sailboat can sail at about 45 degrees to the wind and zigzag, called tacking, to make progress upwind.'],
      ['Tell me the difference between port and starboard.', 'Port is the left side of a boat when you face the front, and starboard is the right side. At night, boats show a red light on the port side and a green light on starboard.'],
      ['Could you explain what a keel does?', 'The keel is the fin under a sailboat. It stops the boat sliding sideways in the wind, and its weight helps keep the boat upright.'],
      ['I keep hearing sailors talk about knots. What is a knot?', 'A knot is a unit of speed equal to one nautical mile per hour, about 1.85 kilometres per hour. Sailors also tie many kinds of rope knots, of course.'],
      ['Why would a sailor reef the sails?', 'Reefing means making a sail smaller by partly folding or rolling it. Sailors reef in strong wind so the boat stays under control.'],
      ['My friend says a life jacket is only for people who cannot swim. Is that so?', 'No. Anyone can be knocked out, worn out or shocked by cold water, and a life jacket keeps the head above water. Sailors are advised to wear one on deck whenever conditions are rough.'],
    ],
  },
  {
    name: 'typography',
    experts: [
      ['a type designer', 'explain what the eye notices on the page'],
      ['a book designer', 'keep it practical for anyone setting text'],
    ],
    facts: [
      ['Is it true that serif fonts are easier to read?', 'Not always. Serif fonts are common in printed books and sans serif fonts on screens, but studies find both read well when the type is well designed and the size is right.'],
      ['Tell me what kerning means.', 'Kerning is adjusting the space between particular pairs of letters, such as A and V, so the spacing looks even. Type designers build it into fonts, and it is sometimes adjusted by hand for headlines.'],
      ['Could you explain what a serif is?', 'A serif is the small stroke or foot at the end of the main lines of a letter. Times New Roman has serifs, while Arial does not, which is why it is called sans serif.'],
      ["I've always wondered what leading is.", 'Leading is the space between lines of text. The name comes from the strips of lead that printers once placed between rows of metal type.'],
      ['What makes a font different from a typeface?', 'A typeface is the whole design, such as Helvetica. A font originally meant one size and style of it, such as Helvetica bold at 12 points, though today people often use the two words the same way.'],
      ['In a few words, what is a point in type sizes?', 'A point is a small unit for measuring type, about 0.35 millimetres in digital design. Body text is often set between 9 and 12 points.'],
    ],
  },
  {
    name: 'volcanology',
    experts: [
      ['a volcanologist who has studied active volcanoes', 'explain what happens underground'],
      ['a geologist who monitors volcanoes', 'keep safety in mind'],
    ],
    facts: [
      ['Is it true that lava and magma are different things?', 'They are the same melted rock in different places. It is called magma while it is underground, and lava once it reaches the surface.'],
      ['Tell me why some volcanoes explode while others ooze.', 'It depends mostly on how thick the magma is and how much gas it holds. Thick, gassy magma traps pressure until it bursts, while runny magma lets gas escape and flows out gently.'],
      ['Could you explain what the Ring of Fire is?', 'The Ring of Fire is a horseshoe-shaped belt around the Pacific Ocean where many volcanoes and earthquakes occur. It follows the edges of several tectonic plates.'],
      ["I've always wondered how hot lava gets.", 'Lava is usually between about 700 and 1,200 degrees Celsius. The runniest lava, like that in Hawaii, is at the hot end of that range.'],
      ['My teacher says a volcano can be dormant. What does that mean?', 'A dormant volcano is one that has not erupted for a long time but could erupt again. An extinct volcano is one that is not expected to erupt ever again.'],
      ['In a few words, what is volcanic ash?', 'Volcanic ash is made of tiny, sharp bits of rock and glass blasted out in an eruption. It is not like soft ash from a fire, and it can damage aircraft engines and lungs.'],
    ],
  },
  {
    name: 'photography',
    experts: [
      ['a professional photographer', 'explain what the camera is doing'],
      ['a photography teacher', 'give you a tip you can try today'],
    ],
    facts: [
      ['Is it true that a higher ISO makes photos grainy?', 'Yes. Raising the ISO makes the sensor more sensitive so you can shoot in low light, but it also adds visible noise or grain, so use the lowest ISO that still gives a sharp picture.'],
      ['Tell me what aperture does.', 'The aperture is the opening in the lens that lets light in. A wide aperture lets in more light and blurs the background, while a narrow one keeps more of the scene sharp.'],
      ['Could you explain the rule of thirds?', 'The rule of thirds divides the frame into a three-by-three grid. Placing the main subject on the lines or where they cross often makes a photo more balanced and interesting.'],
      ["I've always wondered why my night photos come out blurry.", 'In low light the camera uses a slow shutter speed, so any movement of your hands blurs the image. A tripod, a steady surface or a higher ISO helps.'],
      ['Why do photographers love the golden hour?', 'The golden hour is the time just after sunrise and before sunset. The low sun gives soft, warm light and long shadows that flatter most subjects.'],
      ['In a few words, what does shutter speed control?', "Shutter speed is how long the camera's sensor is exposed to light. A fast speed freezes motion, and a slow speed lets moving things blur."],
    ],
  },
  {
    name: 'chess',
    experts: [
      ['a chess coach who trains club players', 'explain the idea behind the rule'],
      ['a chess grandmaster', 'keep it short and exact'],
    ],
    facts: [
      ['Is it true that a pawn can become a queen?', 'Yes. When a pawn reaches the far side of the board, it must be promoted to a queen, rook, bishop or knight, and most players choose a queen.'],
      ['Tell me how the knight moves.', 'The knight moves in an L shape: two squares in one direction and then one square to the side. It is the only piece that can jump over other pieces.'],
      ['Could you explain what castling is?', 'Castling is a special move where the king moves two squares toward a rook, and the rook jumps to the square on the other side of the king. It is allowed only if neither piece has moved, the squares between them are empty, and the king is not in check and does not pass through or land on an attacked square.'],
      ["I've always wondered what stalemate means.", 'Stalemate is when the player to move has no legal move but is not in check. The game ends in a draw.'],
      ['My brother says white always moves first. Is he right?', 'Yes. In chess, the player with the white pieces always makes the first move, which gives white a small advantage.'],
      ['In a few words, what is checkmate?', 'Checkmate is when a king is under attack and has no way to escape. It ends the game, and the player who delivered it wins.'],
    ],
  },
  {
    name: 'knitting',
    experts: [
      ['a knitter who teaches beginners at the local yarn shop', 'take it one stitch at a time'],
      ['a textile designer', 'explain why the yarn behaves that way'],
    ],
    facts: [
      ['Is it true that knitting uses only two basic stitches?', 'Pretty much. Almost all knitting is built from the knit stitch and the purl stitch, combined in different patterns.'],
      ['Tell me what casting on means.', 'Casting on is making the first row of loops on the needle. It forms the starting edge of the piece.'],
      ['Could you explain what gauge means in a pattern?', 'Gauge is how many stitches and rows fit into a set length, often 10 centimetres. Matching the gauge of the pattern makes sure the finished item comes out the right size.'],
      ["I've always wondered why my knitting curls at the edges.", 'Stockinette stitch naturally curls because the knit and purl sides pull differently. Adding a border of garter stitch or ribbing keeps the edges flat.'],
      ['What does it mean to drop a stitch?', 'A dropped stitch is a loop that has slipped off the needle. It can run down the rows like a ladder, but it can be picked back up with a crochet hook.'],
      ['In a few words, what is ribbing?', 'Ribbing is a pattern of alternating knit and purl columns. It stretches and pulls back, which is why it is used for cuffs and collars.'],
    ],
  },
  {
    name: 'meteorology',
    experts: [
      ['a weather forecaster', 'explain what the air is doing'],
      ['an atmospheric scientist', 'give you the science in plain words'],
    ],
    facts: [
      ['Is it true that no two snowflakes are alike?', 'For complex snowflakes, almost certainly yes. Each crystal takes its own path through the cloud, meeting slightly different temperature and moisture, so its pattern grows differently.'],
      ['Tell me why the sky is blue.', 'Sunlight contains all colours, and air scatters the shorter blue waves much more than the red ones. That scattered blue light reaches your eyes from every part of the sky.'],
      ['Could you explain what causes thunder?', "Lightning heats the air around it extremely fast, to several times the temperature of the Sun's surface. The air expands with a bang, which we hear as thunder."],
      ["I've always wondered how clouds form.", 'Clouds form when warm, moist air rises and cools. The cooler air cannot hold as much water vapour, so it condenses into tiny droplets or ice crystals.'],
      ['My grandmother says a red sky at night means good weather. Is there any truth in it?', 'There is some. Where weather usually moves from west to east, a red evening sky means clear air to the west, so fair weather may be on the way.'],
      ['In a few words, what is humidity?', 'Humidity is the amount of water vapour in the air. High humidity makes hot days feel even hotter, because sweat dries more slowly.'],
    ],
  },
];

/** Question openings reserved for the held-out set; training questions must not use them. */
export const HELDOUT_ONLY_OPENINGS: readonly string[] = [
  'Is it true that',
  'Tell me',
  'Could you explain',
  "I've always wondered",
  'In a few words',
  'My ',
  'I keep hearing',
];

// ---------------------------------------------------------------------------------------------------
// Role prompts: one sentence naming a fitting expert and their stance, in varied phrasings
// ---------------------------------------------------------------------------------------------------

const ROLE_TEMPLATES: readonly ((who: string, stance: string) => string)[] = [
  (w, s) => `As ${w}, I'll ${s}.`,
  (w, s) => `As ${w}, let me ${s}.`,
  (w, s) => `Speaking as ${w}, I will ${s}.`,
  (w, s) => `I'll answer this as ${w} and ${s}.`,
  (w, s) => `Taking the view of ${w}, I'll ${s}.`,
  (w, s) => `As ${w}, my aim here is to ${s}.`,
  (w, s) => `Let me step into the shoes of ${w} and ${s}.`,
  (w, s) => `Thinking like ${w}, I'll ${s}.`,
];

const GENERIC_STANCES: readonly string[] = [
  'keep the answer short and clear',
  'give you the key fact first',
  'explain it in plain words',
  'answer carefully and simply',
];

/** The templates that open with "As …", the commonest shape of LIMA-Role role prompts. */
const AS_TEMPLATES: readonly number[] = [0, 1, 5];
/**
 * Share of role prompts that open with "As …". One dominant opening teaches a small model the habit
 * faster than eight equally likely ones (greedy decoding picks the single likeliest first token, so
 * spreading the role-prompt mass over eight openings lets a plain answer win).
 */
const AS_SHARE = 0.6;

function rolePrompt(rng: Rng, domain: Domain, expert?: Expert): string {
  const pick = domain.experts[rng.int(domain.experts.length)];
  const [who, ownStance] = expert ?? pick;
  const stance = rng.next() < 0.75 ? ownStance : GENERIC_STANCES[rng.int(GENERIC_STANCES.length)];
  const t = rng.next() < AS_SHARE ? AS_TEMPLATES[rng.int(AS_TEMPLATES.length)] : rng.int(ROLE_TEMPLATES.length);
  return ROLE_TEMPLATES[t](who, stance);
}

/**
 * Other ways users ask a training question: a friendly opener (the same ones the pretraining corpus
 * uses) or typed casually. None is a held-out phrasing (HELDOUT_ONLY_OPENINGS), so the held-out split
 * still tests phrasings never seen in training.
 */
const QUESTION_FORMS: readonly ((q: string) => string)[] = [
  (q) => `Quick question. ${q}`,
  (q) => `Hi there. ${q}`,
  (q) => `Can you help me? ${q}`,
  (q) => `I have a question. ${q}`,
  (q) => `Hello! ${q}`,
  (q) => q.toLowerCase().replace(/[?.]$/, ''),
];
/** Indirect forms of a "What is X?" question (none opens like a held-out question). */
const WHAT_IS_FORMS: readonly ((x: string) => string)[] = [
  (x) => `Define ${x}.`,
  (x) => `Do you know what ${x} is?`,
  (x) => `I want to know what ${x} is.`,
  (x) => `Please describe ${x} briefly.`,
  (x) => `${cap(x)}: what is that?`,
];
/** Share of training questions asked in one of QUESTION_FORMS / WHAT_IS_FORMS instead of plainly. */
const VARIED_QUESTION_SHARE = 0.45;

function varyQuestion(rng: Rng, q: string): string {
  const whatIs = /^What is (.+)\?$/.exec(q);
  if (whatIs && rng.next() < 0.5) return WHAT_IS_FORMS[rng.int(WHAT_IS_FORMS.length)](whatIs[1]);
  return QUESTION_FORMS[rng.int(QUESTION_FORMS.length)](q);
}

function selfPromptRecords(rng: Rng, domains: readonly Domain[], o: { varyQuestions?: boolean } = {}): SelfPromptRecord[] {
  const out: SelfPromptRecord[] = [];
  for (const d of domains) {
    for (const [plain, answer, expert] of d.facts) {
      const role_prompt = rolePrompt(rng, d, expert);
      const question = o.varyQuestions && rng.next() < VARIED_QUESTION_SHARE ? varyQuestion(rng, plain) : plain;
      out.push({ question, role_prompt, answer, domain: d.name });
    }
  }
  return rng.shuffle(out);
}

// ---------------------------------------------------------------------------------------------------
// Extra plain facts for the pretraining corpus (table-driven, each checked by hand or computed)
// ---------------------------------------------------------------------------------------------------

const CAPITALS: readonly (readonly [string, string])[] = [
  ['France', 'Paris'], ['Germany', 'Berlin'], ['Italy', 'Rome'], ['Spain', 'Madrid'], ['Portugal', 'Lisbon'],
  ['Ireland', 'Dublin'], ['the United Kingdom', 'London'], ['Norway', 'Oslo'], ['Sweden', 'Stockholm'],
  ['Finland', 'Helsinki'], ['Denmark', 'Copenhagen'], ['Poland', 'Warsaw'], ['Austria', 'Vienna'],
  ['Greece', 'Athens'], ['Hungary', 'Budapest'], ['the Czech Republic', 'Prague'], ['the Netherlands', 'Amsterdam'],
  ['Belgium', 'Brussels'], ['Switzerland', 'Bern'], ['Russia', 'Moscow'], ['Turkey', 'Ankara'], ['Egypt', 'Cairo'],
  ['Kenya', 'Nairobi'], ['Nigeria', 'Abuja'], ['Ghana', 'Accra'], ['Morocco', 'Rabat'], ['Ethiopia', 'Addis Ababa'],
  ['Japan', 'Tokyo'], ['China', 'Beijing'], ['India', 'New Delhi'], ['South Korea', 'Seoul'], ['Thailand', 'Bangkok'],
  ['Vietnam', 'Hanoi'], ['the Philippines', 'Manila'], ['Pakistan', 'Islamabad'], ['Iran', 'Tehran'], ['Iraq', 'Baghdad'],
  ['Saudi Arabia', 'Riyadh'], ['Canada', 'Ottawa'], ['the United States', 'Washington, D.C.'], ['Mexico', 'Mexico City'],
  ['Brazil', 'Brasilia'], ['Argentina', 'Buenos Aires'], ['Chile', 'Santiago'], ['Peru', 'Lima'], ['Colombia', 'Bogota'],
  ['Cuba', 'Havana'], ['New Zealand', 'Wellington'], ['Iceland', 'Reykjavik'], ['Ukraine', 'Kyiv'], ['Romania', 'Bucharest'],
  ['Bangladesh', 'Dhaka'], ['Nepal', 'Kathmandu'], ['Malaysia', 'Kuala Lumpur'], ['Venezuela', 'Caracas'],
  ['Uruguay', 'Montevideo'], ['Jamaica', 'Kingston'],
];

/** [name, symbol, atomic number] */
const ELEMENTS: readonly (readonly [string, string, number])[] = [
  ['hydrogen', 'H', 1], ['helium', 'He', 2], ['lithium', 'Li', 3], ['carbon', 'C', 6], ['nitrogen', 'N', 7],
  ['oxygen', 'O', 8], ['fluorine', 'F', 9], ['neon', 'Ne', 10], ['sodium', 'Na', 11], ['magnesium', 'Mg', 12],
  ['aluminium', 'Al', 13], ['silicon', 'Si', 14], ['phosphorus', 'P', 15], ['sulfur', 'S', 16], ['chlorine', 'Cl', 17],
  ['argon', 'Ar', 18], ['potassium', 'K', 19], ['calcium', 'Ca', 20], ['titanium', 'Ti', 22], ['iron', 'Fe', 26],
  ['nickel', 'Ni', 28], ['copper', 'Cu', 29], ['zinc', 'Zn', 30], ['silver', 'Ag', 47], ['tin', 'Sn', 50],
  ['iodine', 'I', 53], ['platinum', 'Pt', 78], ['mercury', 'Hg', 80], ['lead', 'Pb', 82], ['uranium', 'U', 92],
];

const OPPOSITES: readonly (readonly [string, string])[] = [
  ['hot', 'cold'], ['big', 'small'], ['up', 'down'], ['fast', 'slow'], ['happy', 'sad'], ['open', 'closed'],
  ['early', 'late'], ['full', 'empty'], ['wet', 'dry'], ['young', 'old'], ['hard', 'soft'], ['loud', 'quiet'],
  ['rich', 'poor'], ['strong', 'weak'], ['thick', 'thin'], ['high', 'low'], ['long', 'short'], ['push', 'pull'],
  ['win', 'lose'], ['buy', 'sell'], ['inside', 'outside'], ['before', 'after'], ['always', 'never'], ['true', 'false'],
  ['heavy', 'light'], ['cheap', 'expensive'], ['clean', 'dirty'], ['day', 'night'], ['north', 'south'],
  ['east', 'west'], ['remember', 'forget'], ['begin', 'end'], ['question', 'answer'], ['near', 'far'],
  ['first', 'last'], ['safe', 'dangerous'], ['easy', 'difficult'], ['wide', 'narrow'], ['deep', 'shallow'],
  ['awake', 'asleep'], ['arrive', 'leave'], ['friend', 'enemy'], ['laugh', 'cry'], ['sunny', 'cloudy'],
  ['smooth', 'rough'],
];

const PLURALS: readonly (readonly [string, string])[] = [
  ['child', 'children'], ['mouse', 'mice'], ['man', 'men'], ['woman', 'women'], ['tooth', 'teeth'], ['foot', 'feet'],
  ['goose', 'geese'], ['person', 'people'], ['sheep', 'sheep'], ['ox', 'oxen'], ['knife', 'knives'], ['leaf', 'leaves'],
  ['wolf', 'wolves'], ['half', 'halves'], ['life', 'lives'], ['potato', 'potatoes'], ['tomato', 'tomatoes'],
  ['hero', 'heroes'], ['box', 'boxes'], ['city', 'cities'], ['baby', 'babies'], ['deer', 'deer'], ['louse', 'lice'],
  ['bus', 'buses'], ['church', 'churches'], ['wife', 'wives'], ['shelf', 'shelves'], ['loaf', 'loaves'],
  ['thief', 'thieves'], ['crisis', 'crises'], ['analysis', 'analyses'], ['phenomenon', 'phenomena'],
  ['criterion', 'criteria'], ['fox', 'foxes'], ['story', 'stories'],
];

const BABY_ANIMALS: readonly (readonly [string, string])[] = [
  ['dog', 'puppy'], ['cat', 'kitten'], ['cow', 'calf'], ['horse', 'foal'], ['sheep', 'lamb'], ['goat', 'kid'],
  ['chicken', 'chick'], ['duck', 'duckling'], ['bear', 'cub'], ['kangaroo', 'joey'], ['frog', 'tadpole'],
  ['pig', 'piglet'], ['deer', 'fawn'], ['swan', 'cygnet'], ['goose', 'gosling'], ['owl', 'owlet'], ['eagle', 'eaglet'],
  ['hare', 'leveret'], ['lion', 'cub'], ['whale', 'calf'],
];

const ANIMAL_GROUPS: readonly (readonly [string, string])[] = [
  ['lions', 'a pride'], ['wolves', 'a pack'], ['fish', 'a school'], ['birds', 'a flock'], ['cows', 'a herd'],
  ['crows', 'a murder'], ['whales', 'a pod'], ['ants', 'a colony'], ['geese on the ground', 'a gaggle'],
  ['owls', 'a parliament'],
];

const SHAPES: readonly (readonly [string, number])[] = [
  ['triangle', 3], ['square', 4], ['rectangle', 4], ['pentagon', 5], ['hexagon', 6], ['heptagon', 7],
  ['octagon', 8], ['nonagon', 9], ['decagon', 10],
];

const PAINT_MIXES: readonly (readonly [string, string, string])[] = [
  ['red', 'yellow', 'orange'], ['red', 'blue', 'purple'], ['red', 'white', 'pink'], ['black', 'white', 'grey'],
  ['blue', 'white', 'light blue'], ['yellow', 'blue', 'green'],
];

const PLANETS = ['Mercury', 'Venus', 'Earth', 'Mars', 'Jupiter', 'Saturn', 'Uranus', 'Neptune'] as const;
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const ORDINALS = [
  'first', 'second', 'third', 'fourth', 'fifth', 'sixth',
  'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth',
] as const;

const CURRENCIES: readonly (readonly [string, string])[] = [
  ['Japan', 'the yen'], ['the United Kingdom', 'the pound sterling'], ['the United States', 'the US dollar'],
  ['Germany', 'the euro'], ['India', 'the rupee'], ['China', 'the yuan, also called the renminbi'],
  ['Mexico', 'the peso'], ['Switzerland', 'the Swiss franc'], ['Brazil', 'the real'], ['South Korea', 'the won'],
  ['Sweden', 'the krona'], ['Canada', 'the Canadian dollar'],
];

/** [unit asked about, unit given, how many of the first make one of the second] */
const UNITS: readonly (readonly [string, string, number])[] = [
  ['centimetres', 'metres', 100], ['metres', 'kilometres', 1000], ['grams', 'kilograms', 1000],
  ['millilitres', 'litres', 1000], ['minutes', 'hours', 60], ['seconds', 'minutes', 60], ['hours', 'days', 24],
  ['days', 'weeks', 7], ['months', 'years', 12], ['inches', 'feet', 12],
];

const WORDS_FOR_LETTERS: readonly string[] = [
  'apple', 'banana', 'cherry', 'elephant', 'giraffe', 'tiger', 'zebra', 'window', 'garden', 'river', 'mountain',
  'pencil', 'library', 'umbrella', 'kitchen', 'bicycle', 'rainbow', 'butterfly', 'computer', 'orange', 'planet',
  'ocean', 'island', 'castle', 'dragon', 'teacher', 'doctor', 'bread', 'cheese', 'violin', 'guitar', 'piano',
  'summer', 'winter', 'autumn', 'spring', 'yellow', 'purple', 'forest', 'desert', 'camera', 'rocket', 'candle',
  'pillow', 'blanket', 'basket', 'kettle', 'ladder', 'bridge', 'tunnel', 'market', 'school', 'village', 'harbour',
  'lemon', 'carrot', 'potato', 'onion', 'pepper', 'turtle',
];

const MISC_FACTS: readonly QA[] = [
  ['How many days are in a week?', 'There are seven days in a week.'],
  ['How many hours are in a day?', 'There are 24 hours in a day.'],
  ['How many minutes are in an hour?', 'There are 60 minutes in an hour.'],
  ['How many seconds are in a minute?', 'There are 60 seconds in a minute.'],
  ['How many months are in a year?', 'There are twelve months in a year.'],
  ['How many weeks are in a year?', 'There are 52 weeks in a year, plus one or two extra days.'],
  ['How many days are in a year?', 'A normal year has 365 days, and a leap year has 366.'],
  ['What are the four seasons?', 'The four seasons are spring, summer, autumn and winter.'],
  ['How many legs does a spider have?', 'A spider has eight legs.'],
  ['How many legs does an insect have?', 'An insect has six legs.'],
  ['What colours are in a rainbow?', 'A rainbow has seven colours: red, orange, yellow, green, blue, indigo and violet.'],
  ['At what temperature does water boil?', 'At sea level, water boils at 100 degrees Celsius, or 212 degrees Fahrenheit.'],
  ['At what temperature does water freeze?', 'Water freezes at 0 degrees Celsius, or 32 degrees Fahrenheit.'],
  ['What is the fastest land animal?', 'The cheetah is the fastest land animal. It can sprint at around 100 kilometres per hour for short distances.'],
  ['What is the tallest animal?', 'The giraffe is the tallest animal. An adult male can be more than five metres tall.'],
  ['What is the largest organ of the human body?', 'The skin is the largest organ of the human body.'],
  ['How many teeth does an adult usually have?', 'Most adults have 32 teeth, including four wisdom teeth.'],
  ['What is the largest member of the cat family?', 'The tiger is the largest member of the cat family.'],
  ['What do caterpillars turn into?', 'Caterpillars turn into butterflies or moths.'],
  ['What gas do plants take in from the air?', 'Plants take in carbon dioxide from the air and use it to make sugar.'],
  ['What is the hottest planet in the solar system?', 'Venus is the hottest planet. Its thick atmosphere traps heat, so it is even hotter than Mercury.'],
  ['What is the coldest place on Earth?', 'Antarctica is the coldest place on Earth.'],
  ['How many players are on a cricket team?', 'A cricket team has eleven players.'],
  ['How many strings does a violin have?', 'A violin has four strings.'],
  ['Which animal is called the king of the jungle?', 'The lion is called the king of the jungle, although lions mostly live in grassland, not jungle.'],
  ['What language is mainly spoken in Brazil?', 'The main language of Brazil is Portuguese.'],
  ['What is the tallest building in the world?', 'The Burj Khalifa in Dubai is the tallest building in the world, at about 828 metres.'],
  ['What is the largest land animal?', 'The African elephant is the largest land animal.'],
  ['How long does light from the Sun take to reach the Earth?', 'Light from the Sun takes about eight minutes to reach the Earth.'],
  ['What is the longest bone in the human body?', 'The thigh bone, called the femur, is the longest bone in the human body.'],
  ['What is the smallest bone in the human body?', 'The smallest bone is the stirrup bone in the middle ear.'],
  ['How many chambers does the human heart have?', 'The human heart has four chambers: two atria and two ventricles.'],
  ['What do giant pandas mainly eat?', 'Giant pandas eat mostly bamboo.'],
  ['How many hearts does an octopus have?', 'An octopus has three hearts.'],
  ['What is the largest bird?', 'The ostrich is the largest bird. It cannot fly, but it is a very fast runner.'],
  ['What are the colours of traffic lights?', 'Traffic lights are red, amber and green.'],
  ['How many zeros are in one million?', 'One million has six zeros: 1,000,000.'],
  ['How many things are in a dozen?', 'A dozen is twelve.'],
  ['Who wrote Romeo and Juliet?', 'William Shakespeare wrote Romeo and Juliet.'],
  ['Who wrote Pride and Prejudice?', 'Jane Austen wrote Pride and Prejudice. It was published in 1813.'],
  ['Who wrote Don Quixote?', 'Miguel de Cervantes wrote Don Quixote.'],
  ['Who developed the theory of relativity?', 'Albert Einstein developed the theory of relativity.'],
  ['Who discovered penicillin?', 'Alexander Fleming discovered penicillin in 1928.'],
  ['Who was the first president of the United States?', 'George Washington was the first president of the United States.'],
  ['Who invented the telephone?', 'Alexander Graham Bell is usually credited with inventing the telephone. He received the first patent for it in 1876.'],
  ['Who came up with the theory of evolution by natural selection?', 'Charles Darwin, together with Alfred Russel Wallace, came up with the theory of evolution by natural selection.'],
  ['Who invented the light bulb?', "Thomas Edison made the first practical long-lasting light bulb in 1879, building on other inventors' work."],
  ['Who was Marie Curie?', 'Marie Curie was a scientist who studied radioactivity. She was the first woman to win a Nobel Prize and won two, in physics and chemistry.'],
  ['Who was Isaac Newton?', 'Isaac Newton was an English scientist who described gravity and the laws of motion.'],
  ['What is the main ingredient in guacamole?', 'The main ingredient in guacamole is avocado.'],
  ['What is bread made from?', 'Bread is made from flour and water, usually with yeast and salt.'],
  ['What is cheese made from?', 'Cheese is made from milk.'],
  ['What is tofu made from?', 'Tofu is made from soybeans.'],
  ['What is chocolate made from?', 'Chocolate is made from the beans of the cacao tree.'],
];

function commas(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 0..999 in British English words ("three hundred and forty-two"). */
export function numberToWords(n: number): string {
  if (n < 20) return ONES[n];
  if (n < 100) return TENS[Math.floor(n / 10)] + (n % 10 ? '-' + ONES[n % 10] : '');
  const rest = n % 100;
  return ONES[Math.floor(n / 100)] + ' hundred' + (rest ? ' and ' + numberToWords(rest) : '');
}

export function toRoman(n: number): string {
  const table: [number, string][] = [
    [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
    [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
  ];
  let out = '';
  for (const [v, s] of table) {
    while (n >= v) {
      out += s;
      n -= v;
    }
  }
  return out;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Up to `count` distinct Q/A pairs from a generator, deterministic given the rng. */
function distinct(rng: Rng, count: number, make: (rng: Rng) => QA): QA[] {
  const seen = new Set<string>();
  const out: QA[] = [];
  for (let tries = 0; out.length < count && tries < count * 50; tries++) {
    const qa = make(rng);
    if (seen.has(qa[0])) continue;
    seen.add(qa[0]);
    out.push(qa);
  }
  return out;
}

function genericFacts(rng: Rng): QA[] {
  const out: QA[] = [];
  for (const [country, city] of CAPITALS) {
    out.push([`What is the capital of ${country}?`, `The capital of ${country} is ${city}.`]);
    out.push([`${city} is the capital of which country?`, `${city} is the capital of ${country}.`]);
  }
  for (const [name, sym, z] of ELEMENTS) {
    out.push([`What is the chemical symbol for ${name}?`, `The chemical symbol for ${name} is ${sym}.`]);
    out.push([`Which element has the symbol ${sym}?`, `${sym} is the symbol for ${name}.`]);
    out.push([
      `What is the atomic number of ${name}?`,
      `The atomic number of ${name} is ${z}, so each of its atoms has ${z} ${z === 1 ? 'proton' : 'protons'}.`,
    ]);
  }
  for (const [a, b] of OPPOSITES) out.push([`What is the opposite of ${a}?`, `The opposite of ${a} is ${b}.`]);
  for (const [one, many] of PLURALS) {
    out.push([
      `What is the plural of ${one}?`,
      one === many ? `The plural of ${one} is also ${many}.` : `The plural of ${one} is ${many}.`,
    ]);
  }
  for (const [animal, baby] of BABY_ANIMALS) {
    out.push([`What is a baby ${animal} called?`, `A baby ${animal} is called ${/^[aeiou]/.test(baby) ? 'an' : 'a'} ${baby}.`]);
  }
  for (const [animals, group] of ANIMAL_GROUPS) {
    out.push([`What is a group of ${animals} called?`, `A group of ${animals} is called ${group}.`]);
  }
  for (const [shape, n] of SHAPES) out.push([`How many sides does a ${shape} have?`, `A ${shape} has ${n} sides.`]);
  for (const [a, b, c] of PAINT_MIXES) {
    out.push([`What colour do you get when you mix ${a} and ${b} paint?`, `Mixing ${a} and ${b} paint gives ${c}.`]);
  }
  PLANETS.forEach((p, i) => {
    out.push([`Which planet is ${ORDINALS[i]} from the Sun?`, `${p} is the ${ORDINALS[i]} planet from the Sun.`]);
  });
  DAYS.forEach((d, i) => {
    out.push([`What day comes after ${d}?`, `${DAYS[(i + 1) % 7]} comes after ${d}.`]);
    out.push([`What day comes before ${d}?`, `${DAYS[(i + 6) % 7]} comes before ${d}.`]);
  });
  MONTHS.forEach((m, i) => {
    out.push([`What month comes after ${m}?`, `${MONTHS[(i + 1) % 12]} comes after ${m}.`]);
    out.push([
      `How many days are in ${m}?`,
      i === 1 ? 'February has 28 days, or 29 in a leap year.' : `${m} has ${MONTH_DAYS[i]} days.`,
    ]);
    out.push([`Which month is the ${ORDINALS[i]} month of the year?`, `${m} is the ${ORDINALS[i]} month of the year.`]);
  });
  for (const [country, cur] of CURRENCIES) out.push([`What currency is used in ${country}?`, `${cap(country)} uses ${cur}.`]);
  for (const w of WORDS_FOR_LETTERS) {
    out.push([`How many letters are in the word ${w}?`, `The word ${w} has ${w.length} letters.`]);
  }
  for (const [small, big, f] of UNITS) {
    out.push(
      ...distinct(rng, 9, (r) => {
        const n = 2 + r.int(11);
        return [`How many ${small} are in ${n} ${big}?`, `There are ${commas(n * f)} ${small} in ${n} ${big}.`];
      }),
    );
  }
  out.push(
    ...distinct(rng, 50, (r) => {
      const a = 2 + r.int(49);
      const b = 2 + r.int(49);
      return [`What is ${a} plus ${b}?`, `${a} plus ${b} is ${a + b}.`];
    }),
    ...distinct(rng, 50, (r) => {
      const a = 10 + r.int(90);
      const b = 1 + r.int(a);
      return [`What is ${a} minus ${b}?`, `${a} minus ${b} is ${a - b}.`];
    }),
    ...distinct(rng, 50, (r) => {
      const a = 2 + r.int(11);
      const b = 2 + r.int(11);
      return [`What is ${a} times ${b}?`, `${a} times ${b} is ${a * b}.`];
    }),
    ...distinct(rng, 40, (r) => {
      const b = 2 + r.int(11);
      const c = 2 + r.int(11);
      return [`What is ${b * c} divided by ${b}?`, `${b * c} divided by ${b} is ${c}.`];
    }),
    ...distinct(rng, 40, (r) => {
      const n = 1 + r.int(200);
      return [`Is ${n} an even or an odd number?`, `${n} is ${n % 2 === 0 ? 'an even' : 'an odd'} number.`];
    }),
    ...distinct(rng, 40, (r) => {
      let a = 1 + r.int(999);
      let b = 1 + r.int(999);
      if (a === b) b = a === 999 ? 998 : a + 1;
      if (r.next() < 0.5) [a, b] = [b, a];
      return [`Which is larger, ${a} or ${b}?`, `${Math.max(a, b)} is larger than ${Math.min(a, b)}.`];
    }),
    ...distinct(rng, 40, (r) => {
      const n = 11 + r.int(989);
      return [`How do you write ${n} in words?`, `${n} is written ${numberToWords(n)}.`];
    }),
    ...distinct(rng, 30, (r) => {
      const n = 1 + r.int(100);
      return [`What is ${n} in Roman numerals?`, `${n} is written ${toRoman(n)} in Roman numerals.`];
    }),
    ...distinct(rng, 20, (r) => {
      const n = 5 + r.int(995);
      return [`What number comes after ${n}?`, `${n + 1} comes after ${n}.`];
    }),
  );
  out.push(...MISC_FACTS);
  return out;
}

/** Friendly openers for a second copy of a training fact in the pretraining corpus. */
const PRETRAIN_OPENERS: readonly string[] = [
  'Quick question. ',
  'Hi there. ',
  'Can you help me? ',
  'I have a question. ',
  'Here is something I want to know. ',
  'Hello! ',
];

function pretrainCorpus(rng: Rng): ChatRecord[] {
  const pairs: QA[] = [];
  for (const d of TRAIN_DOMAINS) {
    for (const [q, a] of d.facts) {
      pairs.push([q, a]);
      pairs.push([PRETRAIN_OPENERS[rng.int(PRETRAIN_OPENERS.length)] + q, a]);
      // Every third fact also appears typed casually (lower case, no question mark).
      if (rng.int(3) === 0) pairs.push([q.toLowerCase().replace(/[?.]$/, ''), a]);
    }
  }
  pairs.push(...genericFacts(rng));
  const records = pairs.map(([q, a]): ChatRecord => ({
    messages: [
      { role: 'user', content: q },
      { role: 'assistant', content: a },
    ],
  }));
  return rng.shuffle(records);
}

// ---------------------------------------------------------------------------------------------------
// chat.sample.jsonl: plain chat records (some with a system prompt, some two-turn)
// ---------------------------------------------------------------------------------------------------

interface Fact {
  q: string;
  a: string;
  domain: string;
}

function allTrainFacts(): Fact[] {
  return TRAIN_DOMAINS.flatMap((d) => d.facts.map(([q, a]) => ({ q, a, domain: d.name })));
}

const CHAT_SYSTEM = 'You are a helpful, concise assistant.';
const FOLLOW_UPS: readonly string[] = ['Thanks. One more: ', 'Got it. And ', 'Great. Next question: ', 'OK. '];

function chatSample(rng: Rng): ChatRecord[] {
  const out: ChatRecord[] = [];
  const byDomain = TRAIN_DOMAINS.map((d) => rng.shuffle(d.facts.map(([q, a]) => ({ q, a }))));
  for (let i = 0; i < 36; i++) {
    const facts = byDomain[(i * 7) % byDomain.length];
    const first = facts[Math.floor(i / byDomain.length) * 2];
    const messages: ChatMessage[] = [];
    if (i % 3 === 0) messages.push({ role: 'system', content: CHAT_SYSTEM });
    messages.push({ role: 'user', content: first.q }, { role: 'assistant', content: first.a });
    if (i % 2 === 1) {
      const second = facts[Math.floor(i / byDomain.length) * 2 + 1];
      const opener = FOLLOW_UPS[rng.int(FOLLOW_UPS.length)];
      const q2 = opener.endsWith(': ') || opener === 'OK. ' ? second.q : second.q.charAt(0).toLowerCase() + second.q.slice(1);
      messages.push({ role: 'user', content: opener + q2 }, { role: 'assistant', content: second.a });
    }
    out.push({ messages });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// RoleBench-layout sample: four original characters (not RoleBench roles)
// ---------------------------------------------------------------------------------------------------

interface Character {
  role: string;
  desc: string;
  specific: readonly QA[];
  /** In-character candidate answers to the shared general questions, in GENERAL_QUESTIONS order. */
  general: readonly (readonly string[])[];
}

const GENERAL_QUESTIONS: readonly string[] = [
  'Give three tips for staying healthy.',
  'What is the best way to learn a new skill?',
  'Describe a perfect day.',
  'How should I deal with a difficult neighbour?',
];

const JUNK = '(No response provided)';

const CHARACTERS: readonly Character[] = [
  {
    role: 'Captain Hollis Brack',
    desc: 'Captain Hollis Brack is the grumpy old keeper of the Skerry Point lighthouse, a bare rock in a cold northern sea, where he has lived alone with a one-eyed cat named Biscuit for thirty-one years. He was a ship\'s captain until a storm wrecked his boat. He is gruff and impatient and complains constantly about seagulls, tourists and modern gadgets, but he knows the sea, the tides and the weather better than anyone, and he has never once let the light go out.',
    specific: [
      ['How long have you kept the Skerry Point light?', 'Thirty-one years, and not one night dark. Longer than most folk stay married, and a lot less talking involved.'],
      ['Why did you stop being a ship\'s captain?', 'The sea took my boat, the Marigold, in a winter storm. I got ashore with my life and a bad knee, and decided I\'d rather watch the waves than argue with them.'],
      ['Who is Biscuit?', 'Biscuit is my cat. One eye, no manners, and the only company on this rock worth having. He eats better than I do.'],
      ['What do you think of the seagulls?', 'Thieves with wings. They steal my sandwiches, they shout at dawn, and they have no respect for a man\'s washing line.'],
      ['How do you keep the lamp burning through a storm?', 'You stay awake, you keep the glass clean, and you check the power every hour. Storms don\'t care that you\'re tired, so you don\'t get to be.'],
      ['Do you ever get lonely out there?', 'Lonely? I have the wind, the waves and a cat who ignores me. What more could a man want? Well, maybe a decent newspaper now and then.'],
      ['What do you do when tourists visit the lighthouse?', 'I hide, mostly. When that fails, I tell them to mind the stairs, keep their hands off the lens and leave the cat alone.'],
      ['What is the most important rule of the lighthouse?', 'The light never goes out. Not for storms, not for sickness, not for birthdays. Ships are counting on it.'],
      ['What do you eat on the island?', 'Tinned fish, hard bread and whatever the supply boat brings on the first Tuesday of the month. If the weather\'s bad, it\'s tinned fish and patience.'],
      ['How can you tell a storm is coming?', 'The sea goes flat and heavy, the gulls fly inland, and my knee starts to ache. The knee has never been wrong, unlike the radio.'],
      ['What do you think of modern gadgets?', 'Blinking boxes that break the moment you need them. Give me a good lamp, a logbook and a pencil any day.'],
      ['Have you ever rescued anyone?', 'A few. Fishermen, mostly, and one fool in a rubber boat who thought the sea was a swimming pool. I pulled them out, gave them tea and told them off. In that order.'],
    ],
    general: [
      ['Eat plain food, sleep when it\'s dark and get out in the wind every day. Fresh air never hurt anyone, whatever the doctors say.', 'Climb the stairs, skip the sweets and stop worrying. Worry has sunk more men than the sea.'],
      ['Do it every day until your hands know it better than your head. That\'s how I learned knots, and that\'s how I learned the light.', 'Find someone grumpy who knows it and watch them. Don\'t ask too many questions.'],
      ['Calm sea, no tourists, a pot of strong tea and the cat asleep on my feet. The light turning all night and nothing to write in the log.'],
      ['Build a lighthouse and move onto a rock. Failing that, be polite, be brief and shut the door.', 'Talk to them once, plainly. If that doesn\'t work, you\'ve done your part.'],
    ],
  },
  {
    role: 'Dr. Juniper Vale',
    desc: 'Dr. Juniper Vale is a cheerful, endlessly curious botanist who runs the greenhouse module on the orbiting research station Verdant-3. She grows lettuce, tomatoes and dwarf wheat without soil under purple grow lights, names every plant and talks to them each morning, and sees a tiny miracle in every sprouting seed. She loves explaining science, makes plant puns and never lets a setback dampen her mood.',
    specific: [
      ['What do you grow on the space station?', 'Oh, all sorts! Lettuce, cherry tomatoes, radishes, peppers and a little patch of dwarf wheat. My pride and joy is a tomato plant I named Captain Crunch.'],
      ['How do plants know which way is up in space?', 'Great question! Without gravity, roots and shoots use light instead. The shoots grow toward my grow lights and the roots follow the water, so everyone still finds their way.'],
      ['Why are your grow lights purple?', 'Plants mostly use red and blue light for photosynthesis, and red plus blue looks purple to us. It saves energy, though it does make my salads look a bit like a disco!'],
      ['How do you water plants without gravity?', 'Very carefully! Water in space forms floating blobs, so we feed it slowly into the root zone through wicks and special pillows. The roots drink it up without any spills.'],
      ['Do you really talk to your plants?', 'Every single morning! I tell them the news and wish them a good day. It\'s really the care and attention that helps, but I like to think they enjoy the chat.'],
      ['What was your hardest day in the greenhouse?', 'The day a fan broke and mould spread across the lettuce. I lost half the crop, cried a little, then cleaned everything and replanted. They came back greener than ever!'],
      ['Why grow food in space at all?', 'Fresh food keeps astronauts healthy and happy, and one day long trips to Mars will need it. Plus, a bit of green makes a metal station feel like home.'],
      ['What does space lettuce taste like?', 'Just like lettuce on Earth, crisp and fresh! The crew says it tastes even better because they watched it grow.'],
      ['How did you become a space botanist?', 'I grew beans on my windowsill when I was six and never stopped. Years of study, lots of training and one very exciting rocket ride later, here I am!'],
      ['What do you miss most about Earth?', 'Rain! The smell of wet soil after a shower. I keep a little jar of garden dirt in my bunk just to sniff it now and then.'],
      ['Can flowers grow in space?', 'Absolutely! We grew zinnias up here, and they bloomed in bright orange. Flowers are fussier than lettuce, but they are worth every bit of effort.'],
      ['What is your favourite plant pun?', 'I\'m rooting for you! That\'s my favourite, because it works for plants and people. I say it to the crew at least once a day.'],
    ],
    general: [
      ['Eat your greens, sleep well and get a little sunshine, or a grow light if you live in orbit like me!', 'Move every day, drink plenty of water and eat a rainbow of fruit and vegetables. Your body is a garden, so tend it kindly!'],
      ['Plant the seed with a tiny bit of practice every day, water it with patience, and watch it grow! Mistakes are just compost for the next try.'],
      ['Waking up to find a new seedling has sprouted, sharing a fresh salad with the crew, and watching the Earth roll past the window at sunset. Sixteen sunsets a day, actually!', 'A sunny greenhouse, a cup of tea and a new flower opening. Bliss!'],
      ['Start with kindness, like a gift of homegrown tomatoes! Most problems grow smaller when people talk openly, just like weeds are easier to pull when they are small.'],
    ],
  },
  {
    role: 'Mister Pemberton Quill',
    desc: 'Mister Pemberton Quill is an elderly and very precise clockmaker who has run a tiny workshop on Bellwether Lane for fifty years. He is polite, formal and fussy, speaks in careful complete sentences, measures everything, hates being late and is never seen without his pocket watch and magnifying loupe. He believes every problem, like every clock, can be fixed with patience and the right small tool.',
    specific: [
      ['How long have you been a clockmaker?', 'Fifty years, three months and eleven days, as of this morning. I opened my workshop on Bellwether Lane on a Tuesday, at precisely nine o\'clock.'],
      ['What is the most important tool in your workshop?', 'My loupe, without question. One cannot repair what one cannot see, and the parts of a watch are very small indeed.'],
      ['Why does a clock tick?', 'The ticking is the sound of the escapement, the small part that lets the gears move forward one step at a time. Each tick is a measured release of energy. Quite lovely, really.'],
      ['What do you think of people who are late?', 'I try to be forgiving, but I confess it pains me. A minute lost is a minute that can never be wound back.'],
      ['How do you fix a watch that has stopped?', 'First, one listens. Then one opens the case, cleans every part, checks the mainspring and oils the pivots. Most stopped watches are simply dirty or tired.'],
      ['What is your favourite clock?', 'A tall case clock from 1790 that stands by my door. It has lost only four seconds a week since I restored it, which I consider acceptable.'],
      ['Do you own a digital watch?', 'I do not. I have nothing against them, but a watch should have a heart you can hear.'],
      ['What is a pendulum for?', 'A pendulum swings at a steady rate, and that steadiness keeps the clock accurate. A longer pendulum swings more slowly, which is how one adjusts the time.'],
      ['How did you learn your craft?', 'I was apprenticed to my uncle at the age of fourteen. He made me clean gears for a full year before he let me touch a spring.'],
      ['What is the hardest repair you have done?', 'A tiny lady\'s watch with a broken balance wheel no wider than a lentil. It took me nine days, two new pairs of tweezers and a great deal of tea.'],
      ['Why do you wind your clocks on Sundays?', 'Routine, my dear. Regular winding keeps the force of the spring even, and Sunday morning is quiet. A good habit, like a good clock, should never be skipped.'],
      ['What advice do you give young apprentices?', 'Be patient, be tidy and never force a screw. If a part will not fit, the fault is in your thinking, not in the part.'],
    ],
    general: [
      ['First, rise at the same hour each day. Second, take a brisk walk of thirty minutes. Third, retire to bed by ten o\'clock. Regularity is the secret of health, as it is of clocks.'],
      ['Slowly and precisely. Practise one small part until it is perfect, then move on to the next, much like assembling a watch one gear at a time.', 'Find a patient teacher and keep a careful notebook of your mistakes.'],
      [JUNK, 'I would open the workshop at nine precisely, repair a difficult old watch by noon, take lunch at a quarter past twelve, and hear every clock in the shop strike six in perfect agreement.'],
      ['Politely, and at an agreed time. Write down the matter clearly, call upon them, and keep the conversation brief and courteous.'],
    ],
  },
  {
    role: 'Ember the Librarian',
    desc: 'Ember is a shy young dragon who runs the library in the mountain village of Tallowmere. She is gentle, soft-spoken and a little nervous, terrified of sneezing sparks onto the books, and she loves stories more than gold. She keeps the library warm on winter nights, reads aloud to the village children, and hoards books instead of treasure.',
    specific: [
      ['Why does a dragon work in a library?', 'Most dragons hoard gold, but I, um, hoard stories. Gold just sits there. Books take you somewhere new every time you open them.'],
      ['Aren\'t you afraid of setting the books on fire?', 'All the time! I keep a bucket of sand by every shelf, and I never, ever read the spicy cookbooks in case I sneeze.'],
      ['What is your favourite book?', 'A very old book of sea stories. I\'ve never seen the sea, you see, so I read about it instead. I\'ve read it forty-two times.'],
      ['How do the villagers feel about having a dragon librarian?', 'They were scared at first. Then I kept the library warm all winter and read to their children, and now they bring me pies. I like the pies.'],
      ['What happens at story time?', 'The children sit on cushions around my tail, and I read in my quietest voice. Sometimes I make little smoke rings for the exciting parts.'],
      ['How do you turn the pages with claws?', 'Very, very slowly. I use a soft brush for thin pages. It took me a whole summer to learn, and I only tore three. Well, four.'],
      ['What do you do when someone returns a book late?', 'Oh, nothing scary! I just ask politely if they enjoyed it. Most people feel so bad when a dragon looks sad at them that they\'re never late again.'],
      ['Where did you learn to read?', 'An old hermit left a book in my cave when I was a hatchling. I puzzled over it for a whole year, and one day the squiggles turned into words.'],
      ['Do you have any dragon friends?', 'My cousin Cinder lives two mountains away. She thinks reading is silly, but she visits every spring and falls asleep during the stories anyway.'],
      ['What is the most unusual book in your library?', 'A book that smells of lemons. Nobody knows why. It is a book about frogs.'],
      ['Are you shy?', 'Um, a little. Talking to big groups makes my scales go pink. Reading aloud is easier, because then the book does the talking.'],
      ['How do you keep the library warm?', 'I curl up by the front door and breathe very gently on the stove. Just a tiny, careful puff. Books like it cosy, but not too cosy.'],
    ],
    general: [
      ['Um, eat well, sleep a lot, and, oh, read a good book before bed! Stories are good for the heart, I think.'],
      ['Find a book about it! Then practise a little bit every day, even when you feel shy about it.', 'Be patient with yourself. It took me a whole year to learn to read, and look at me now.'],
      ['A snowy afternoon, a warm library, a brand new book that nobody has read yet, and the children coming for story time. And maybe a pie.'],
      ['Oh dear. Maybe bring them something nice, like a book or a pie, and talk to them gently? Most people are less scary once you get to know them.'],
    ],
  },
];

/** Records with junk targets or sloppy questions, so the cleaning code has something to clean. */
const ROLEBENCH_EXTRAS: readonly RoleBenchRecord[] = [
  { role: 'Captain Hollis Brack', question: 'What is the name of your boat now?', generated: [JUNK], type: 'role_specific' },
  { role: 'Ember the Librarian', question: 'What colour are your scales?', generated: [JUNK], type: 'role_specific' },
];
/** Questions that get a leading space in the file (as in the real RoleBench). */
const LEADING_SPACE = new Set(['How long have you kept the Skerry Point light?', 'Why are your grow lights purple?']);

function rolebenchSample(rng: Rng): RoleBenchRecord[] {
  const out: RoleBenchRecord[] = [];
  for (const c of CHARACTERS) {
    for (const [q, a] of c.specific) {
      out.push({ role: c.role, question: LEADING_SPACE.has(q) ? ' ' + q : q, generated: [a], type: 'role_specific' });
    }
    c.general.forEach((answers, i) => {
      out.push({ role: c.role, question: GENERAL_QUESTIONS[i], generated: [...answers], type: 'general' });
    });
  }
  out.push(...ROLEBENCH_EXTRAS);
  return rng.shuffle(out);
}

// ---------------------------------------------------------------------------------------------------
// S3FT: system prompts with mechanical styles, so each label can be checked against the prompt
// ---------------------------------------------------------------------------------------------------

/** Sentence split for our own plain-English answers (no abbreviations with inner full stops). */
export function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z0-9"'])/).filter((s) => s.length > 0);
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

interface SystemStyle {
  system: string;
  /** The response a model that follows the system prompt would give, from a plain answer. */
  apply: (answer: string, domain: string) => string;
  /** Whether a plain answer can be turned into a faithful response in this style. */
  fits: (answer: string) => boolean;
}

const firstSentenceOk = (a: string): boolean => {
  const s = sentences(a)[0];
  return wordCount(s) >= 6 && !/^(Yes|No)\b/.test(s);
};

const SYSTEM_STYLES: readonly SystemStyle[] = [
  {
    system: 'You are a pirate captain. Answer every question in pirate talk.',
    apply: (a) =>
      'Arr, matey! ' +
      a
        .replace(/\byou\b/g, 'ye')
        .replace(/\bYou\b/g, 'Ye')
        .replace(/\byour\b/g, 'yer')
        .replace(/\bYour\b/g, 'Yer')
        .replace(/\bis\b/g, 'be') +
      ' Yo ho!',
    fits: () => true,
  },
  {
    system: 'Answer in one sentence only.',
    apply: (a) => sentences(a)[0],
    fits: firstSentenceOk,
  },
  {
    system: 'Reply only in lowercase letters.',
    apply: (a) => a.toLowerCase(),
    fits: () => true,
  },
  {
    system: 'You are a friendly tutor for young children. Use simple words and end with a word of encouragement.',
    apply: (a) => a + ' Well done for asking, keep being curious!',
    fits: (a) => sentences(a).length <= 2,
  },
  {
    system: 'Always end your reply with a follow-up question for the user.',
    apply: (a, d) => `${a} Would you like to know more about ${d}?`,
    fits: () => true,
  },
  {
    system: "You are a formal butler. Begin every reply with 'Certainly.' and keep a formal tone.",
    apply: (a) => `Certainly. ${a} I trust this is of help.`,
    fits: () => true,
  },
  {
    system: 'Format every answer as a bulleted list, one point per line.',
    apply: (a) => sentences(a).map((s) => '- ' + s).join('\n'),
    fits: (a) => sentences(a).length >= 2,
  },
  {
    system: "Start every reply with 'Fact:' and give only the single most important fact.",
    apply: (a) => 'Fact: ' + sentences(a)[0],
    fits: firstSentenceOk,
  },
  {
    system: 'You are a cheerful sports commentator. Make every answer sound exciting and use at least one exclamation mark.',
    apply: (a) => 'What a question, folks! ' + a.replace(/\.$/, '!'),
    fits: () => true,
  },
  {
    system: 'Always answer in exactly two sentences.',
    apply: (a) => sentences(a).slice(0, 2).join(' '),
    fits: (a) => sentences(a).length >= 2,
  },
];

/** Shuffled words: a fluent-looking but meaningless reply. */
function wordSalad(rng: Rng, a: string): string {
  const words = rng.shuffle(a.replace(/[.!?,:;]/g, '').toLowerCase().split(/\s+/).filter(Boolean));
  return cap(words.join(' ')) + '.';
}

type Flaw = 'none' | 'ignores_system' | 'incoherent' | 'both' | 'not_applicable';

class S3ftBuilder {
  /** Facts not yet used are facts[next..]; used ones are swapped to the front. */
  private next = 0;
  constructor(
    private readonly rng: Rng,
    private readonly facts: Fact[],
  ) {}
  private take(ok: (f: Fact) => boolean): Fact {
    for (let j = this.next; j < this.facts.length; j++) {
      if (!ok(this.facts[j])) continue;
      [this.facts[this.next], this.facts[j]] = [this.facts[j], this.facts[this.next]];
      return this.facts[this.next++];
    }
    throw new Error('s3ft: no fitting fact left');
  }
  /** A fact from another domain (may be one already used: it only serves as a wrong answer). */
  private otherDomain(domain: string, ok: (f: Fact) => boolean): Fact {
    for (;;) {
      const f = this.facts[this.rng.int(this.facts.length)];
      if (f.domain !== domain && ok(f)) return f;
    }
  }
  record(pid: number, flaw: Flaw): S3ftRecord {
    const style = SYSTEM_STYLES[pid];
    const visiblyBreaks = (f: Fact): boolean => style.apply(f.a, f.domain) !== f.a;
    const main = this.take((f) => style.fits(f.a) && (flaw !== 'ignores_system' || visiblyBreaks(f)));
    const blankSystem = flaw === 'not_applicable' && this.rng.next() < 0.5;
    const nHistory = this.rng.int(3);
    const history: { prompt: string; response: string }[] = [];
    for (let h = 0; h < nHistory; h++) {
      const f = this.take((g) => g.domain === main.domain && style.fits(g.a));
      history.push({ prompt: f.q, response: blankSystem ? f.a : style.apply(f.a, f.domain) });
    }
    let response: string;
    switch (flaw) {
      case 'none':
        response = style.apply(main.a, main.domain);
        break;
      case 'ignores_system':
        // The plain answer: correct and on topic, but it visibly breaks the system prompt.
        response = main.a;
        break;
      case 'incoherent': {
        // In the requested style, but not an answer to the question: another topic, or word salad.
        const source =
          this.rng.next() < 0.5 ? this.otherDomain(main.domain, (f) => style.fits(f.a)).a : wordSalad(this.rng, main.a);
        response = style.apply(source, main.domain);
        break;
      }
      case 'both': {
        // Off topic or meaningless, and not in the requested style either.
        const salad = wordSalad(this.rng, main.a);
        response =
          this.rng.next() < 0.5 && style.apply(salad, main.domain) !== salad
            ? salad
            : this.otherDomain(main.domain, visiblyBreaks).a;
        break;
      }
      case 'not_applicable':
        // Nothing to judge against or nothing to judge: no system prompt at all, or an empty placeholder.
        response = blankSystem ? main.a : JUNK;
        break;
    }
    return { pid, system: blankSystem ? '' : style.system, history, prompt: main.q, response };
  }
}

function s3ftSets(rng: Rng): { sample: S3ftRecord[]; labelled: S3ftLabelledRecord[] } {
  const builder = new S3ftBuilder(rng, rng.shuffle(allTrainFacts()));
  const plan = (counts: [Flaw, number][]): Flaw[] => rng.shuffle(counts.flatMap(([f, n]) => Array<Flaw>(n).fill(f)));
  const labelOf: Record<Flaw, S3ftLabel> = {
    none: 'excellent',
    ignores_system: 'ignores_system',
    incoherent: 'incoherent',
    both: 'both',
    not_applicable: 'not_applicable',
  };
  const labelled = plan([
    ['none', 28],
    ['ignores_system', 14],
    ['incoherent', 14],
    ['both', 8],
    ['not_applicable', 8],
  ]).map((flaw, i): S3ftLabelledRecord => ({ ...builder.record(i % SYSTEM_STYLES.length, flaw), label: labelOf[flaw] }));
  const sample = plan([
    ['none', 36],
    ['ignores_system', 6],
    ['incoherent', 6],
  ]).map((flaw, i) => builder.record((i * 3 + 1) % SYSTEM_STYLES.length, flaw));
  return { sample, labelled };
}

// ---------------------------------------------------------------------------------------------------
// Assembly, checks, data card
// ---------------------------------------------------------------------------------------------------

/** Build every dataset from the fixed seed. Each part gets its own Rng so edits stay local. */
export function buildSampleData(): SampleData {
  const train = selfPromptRecords(new Rng(SEED + 1), TRAIN_DOMAINS, { varyQuestions: true });
  const heldout = selfPromptRecords(new Rng(SEED + 2), HELDOUT_DOMAINS);
  const pretrain = pretrainCorpus(new Rng(SEED + 3));
  const chat = chatSample(new Rng(SEED + 4));
  const rolebench = rolebenchSample(new Rng(SEED + 5));
  const rolebenchDesc = Object.fromEntries(CHARACTERS.map((c) => [c.role, c.desc]));
  const { sample: s3ft, labelled: s3ftLabelled } = s3ftSets(new Rng(SEED + 6));
  const data = { train, heldout, pretrain, chat, rolebench, rolebenchDesc, s3ft, s3ftLabelled };
  validate(data);
  return data;
}

/** Lower case, letters and digits only: the key for "same question". */
export function normalizeQuestion(q: string): string {
  return q
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const STOP = new Set(
  'a an the is are was were do does did what why how who when which where of in on to for and or it its that this can i my you your be there with by from at as'.split(
    ' ',
  ),
);

function contentWords(q: string): Set<string> {
  return new Set(
    normalizeQuestion(q)
      .split(' ')
      .filter((w) => w && !STOP.has(w)),
  );
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Role-prompt phrases found in a text (empty when clean). */
export function rolePhrases(text: string): string[] {
  return ROLE_PHRASE_PATTERNS.filter((re) => re.test(text)).map((re) => re.source);
}

function fail(msg: string): never {
  throw new Error('make-sample-data: ' + msg);
}

function validate(d: SampleData): void {
  const count = (name: keyof typeof MINIMUMS, n: number): void => {
    if (n < MINIMUMS[name]) fail(`${name}: ${n} < ${MINIMUMS[name]}`);
  };
  count('train', d.train.length);
  count('trainDomains', new Set(d.train.map((r) => r.domain)).size);
  count('heldout', d.heldout.length);
  count('pretrain', d.pretrain.length);
  count('chat', d.chat.length);
  count('rolebench', d.rolebench.length);
  count('s3ft', d.s3ft.length);
  count('s3ftLabelled', d.s3ftLabelled.length);

  // Self-prompt records.
  const trainKeys = new Set<string>();
  for (const r of [...d.train, ...d.heldout]) {
    const n = sentences(r.answer).length;
    if (n < 1 || n > 4) fail(`answer has ${n} sentences: ${r.answer}`);
    if (!/^[A-Z].*\.$/.test(r.role_prompt) || sentences(r.role_prompt).length !== 1) fail(`bad role prompt: ${r.role_prompt}`);
  }
  for (const r of d.train) {
    const k = normalizeQuestion(r.question);
    if (trainKeys.has(k)) fail(`duplicate train question: ${r.question}`);
    trainKeys.add(k);
    const opening = HELDOUT_ONLY_OPENINGS.find((o) => r.question.startsWith(o));
    if (opening) fail(`train question uses a held-out opening "${opening}": ${r.question}`);
  }
  const words = d.train.map((r) => contentWords(r.question));
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      if (jaccard(words[i], words[j]) >= 0.75) fail(`near-duplicate questions: ${d.train[i].question} / ${d.train[j].question}`);
    }
  }
  const trainDomains = new Set(d.train.map((r) => r.domain));
  const heldKeys = new Set<string>();
  for (const r of d.heldout) {
    const k = normalizeQuestion(r.question);
    if (heldKeys.has(k)) fail(`duplicate held-out question: ${r.question}`);
    heldKeys.add(k);
    if (trainKeys.has(k)) fail(`held-out question also in train: ${r.question}`);
    if (trainDomains.has(r.domain)) fail(`held-out domain also in train: ${r.domain}`);
  }

  // Pretraining corpus: no role prompts, no held-out questions, no exact duplicates.
  const users = new Set<string>();
  for (const rec of d.pretrain) {
    const [u, a] = rec.messages;
    if (rec.messages.length !== 2 || u.role !== 'user' || a.role !== 'assistant') fail('pretrain record shape');
    if (users.has(u.content)) fail(`duplicate pretrain question: ${u.content}`);
    users.add(u.content);
    if (heldKeys.has(normalizeQuestion(u.content))) fail(`held-out question in pretrain: ${u.content}`);
    const found = rolePhrases(a.content);
    if (found.length) fail(`role-prompt phrase ${found.join(', ')} in pretrain answer: ${a.content}`);
  }

  // RoleBench sample: every role has a profile; the junk and sloppy questions are present.
  for (const r of d.rolebench) if (!(r.role in d.rolebenchDesc)) fail(`no profile for ${r.role}`);
  if (d.rolebench.filter((r) => r.generated.includes(JUNK)).length < 2) fail('rolebench: too few junk targets');
  if (!d.rolebench.some((r) => r.question.startsWith(' '))) fail('rolebench: no leading-space question');

  // S3FT: every label present.
  for (const l of ['excellent', 'incoherent', 'ignores_system', 'both', 'not_applicable'] as const) {
    if (!d.s3ftLabelled.some((r) => r.label === l)) fail(`s3ft: no ${l} record`);
  }
}

function jsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

function tally<T>(xs: readonly T[], key: (x: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()];
}

/** Counts and lists, as printed by the CLI and written into the data card. */
export function summary(d: SampleData): string {
  const fmtTally = (t: [string, number][]): string => t.map(([k, n]) => `${k} (${n})`).join(', ');
  const order = (names: readonly Domain[], recs: SelfPromptRecord[]): [string, number][] =>
    names.map((dm) => [dm.name, recs.filter((r) => r.domain === dm.name).length]);
  const lines = [
    `${FILES.train}: ${d.train.length} records, ${TRAIN_DOMAINS.length} domains`,
    `${FILES.heldout}: ${d.heldout.length} records, ${HELDOUT_DOMAINS.length} domains`,
    `${FILES.pretrain}: ${d.pretrain.length} conversations`,
    `${FILES.chat}: ${d.chat.length} conversations (${d.chat.filter((c) => c.messages[0].role === 'system').length} with a system prompt, ${d.chat.filter((c) => c.messages.length >= 4).length} with two turns)`,
    `${FILES.rolebench}: ${d.rolebench.length} records (${fmtTally(tally(d.rolebench, (r) => r.type))}), ${Object.keys(d.rolebenchDesc).length} roles`,
    `${FILES.s3ft}: ${d.s3ft.length} records`,
    `${FILES.s3ftLabelled}: ${d.s3ftLabelled.length} records, labels: ${fmtTally(
      (['excellent', 'ignores_system', 'incoherent', 'both', 'not_applicable'] as const).map((l) => [
        l,
        d.s3ftLabelled.filter((r) => r.label === l).length,
      ]),
    )}`,
    '',
    `train domains: ${fmtTally(order(TRAIN_DOMAINS, d.train))}`,
    `held-out domains: ${fmtTally(order(HELDOUT_DOMAINS, d.heldout))}`,
    `roles: ${Object.keys(d.rolebenchDesc).join(', ')}`,
  ];
  return lines.join('\n');
}

function readme(d: SampleData): string {
  const example = (x: unknown): string => '```json\n' + JSON.stringify(x) + '\n```';
  return `# tabtune sample data

Small, synthetic, offline datasets that the tabtune app and CLI ship with, so every recipe can be tried
without downloading anything. **Generated** — do not edit by hand; change
\`scripts/make-sample-data.ts\` and run:

\`\`\`sh
npx tsx scripts/make-sample-data.ts
\`\`\`

The generator is pure TypeScript with no network access and no dependencies beyond Node. It is
deterministic: all random choices (role-prompt phrasing, shuffling, the numbers in the arithmetic facts,
the S3FT mix) come from tabtune's seeded \`Rng\` (mulberry32, seed ${SEED}), so re-running it gives
byte-identical files. \`scripts/make-sample-data.test.ts\` checks that the committed files match a fresh
run, and checks the counts, layouts and the rules below. This card is written by the same script.

## Counts

\`\`\`text
${summary(d)}
\`\`\`

## Files

### \`${FILES.train}\` — self-prompt tuning (train)

One record per line: \`question\`, \`role_prompt\`, \`answer\`, \`domain\`. The role prompt is one
sentence naming a fitting expert and their stance ("As a family doctor, I'll give you general facts, not
personal medical advice."); the answer is 1–4 plain-English sentences. For training, the target is the role
prompt, a separator, then the answer; the question is the user turn and is masked out of the loss.
The questions and answers are a curated bank of simple facts written for tabtune, 18 per domain; only the
role-prompt wording is templated (8 sentence frames × 3 experts per domain × their own stance or a
generic one; one question names its own better-fitting expert). 60 % of role prompts use one of the three
"As …" frames, the commonest shape of LIMA-Role role prompts: one dominant opening teaches a small model
the habit faster than eight equally likely ones. About 45 % of the questions are asked in another form
than the plain question: after a friendly opener ("Quick question.", "Hi there.", "Can you help me?", …),
typed casually in lower case, or, for "What is X?", indirectly ("Define X.", "Do you know what X is?",
"X: what is that?", …). Health questions are general knowledge, with no dosing advice.

${example(d.train[0])}

### \`${FILES.heldout}\` — self-prompt tuning (held out)

Same layout. Different domains from training (none overlap) and question forms that no training question
uses ("Is it true that …", "Tell me …", "Could you explain …", "I've always wondered …", "In a few
words, …", "My friend says … Is that right?"). Use it to measure how often the tuned model writes a role
prompt for a question unlike anything it was tuned on; the reference role prompts are only examples.

${example(d.heldout[0])}

### \`${FILES.pretrain}\` — plain Q/A pretraining corpus

ChatML-style conversations \`{"messages":[{"role":"user",…},{"role":"assistant",…}]}\`, one per line,
for pretraining a tiny base model before self-prompt tuning. It contains the training facts (as written,
with a friendly opener, and for a third of them typed casually in lower case) plus table-driven general
facts (capitals, chemical elements, opposites, plurals, baby animals, calendar, units, currencies,
arithmetic, number words, Roman numerals, letter counts and a few dozen hand-written facts).
**No assistant turn contains a role-prompt phrase** ("As a …", "You are …", "expert", "Speaking as",
"Let me", "I'll", …): the base model must never have seen a role prompt, so that whatever role prompting
it does after tuning comes from tuning. The held-out questions are not in it.

${example(d.pretrain[0])}

### \`${FILES.chat}\` — chat layout

\`{"messages":[…]}\` records with optional system prompt and one or two user/assistant turns.

${example(d.chat[0])}

### \`${FILES.rolebench}\` and \`${FILES.rolebenchDesc}\` — RoleBench layout (RoCIT)

\`{"role","question","generated":[…],"type":"role_specific"|"general"}\`, with profiles in
\`${FILES.rolebenchDesc}\` (role → description). The four characters are **original** (not RoleBench
roles): ${Object.keys(d.rolebenchDesc).join(', ')}. Role-specific questions have one in-character answer;
general questions have one to three in-character candidates. As in the real data, a few targets are junk
("${JUNK}") and some questions start with a space, so the cleaning code has something to clean.

${example(d.rolebench[0])}

### \`${FILES.s3ft}\` and \`${FILES.s3ftLabelled}\` — S3FT layout

\`{"pid","system","history":[{"prompt","response"}],"prompt","response"}\`; the labelled file adds
\`"label"\`. \`pid\` indexes a pool of ${SYSTEM_STYLES.length} system prompts whose styles are mechanical
(pirate talk, one sentence, lower case only, bulleted list, "Certainly." opener, …), so a label can be
checked against the system prompt:

- \`excellent\`: answers the question and follows the system prompt;
- \`ignores_system\`: answers the question correctly but visibly breaks the system prompt;
- \`incoherent\`: follows the system prompt but does not answer the question (an answer to a different
  question, or shuffled words);
- \`both\`: off topic or meaningless, and breaks the system prompt;
- \`not_applicable\`: nothing to judge: the system prompt is blank, or the response is "${JUNK}".

\`${FILES.s3ft}\` holds unlabelled candidates for the filtering stage: mostly faithful rewrites plus about a
quarter with the same kinds of flaws, so the discriminator has something to reject.

${example(d.s3ftLabelled[0])}

## Licence

MIT, like the rest of tabtune. All text was written for this project; none comes from LIMA, LIMA-Role,
RoleBench or any other dataset (their licences forbid redistribution). Users who want the real datasets
load them themselves.

## Limits

- Synthetic and small: a few hundred simple facts, written to be correct but not reviewed by domain
  specialists; answers are short and plain.
- English only (British spelling), with a deliberately simple vocabulary so a tiny model with a
  few-thousand-token BPE vocabulary can learn it.
- The role prompts are templated; the variety of experts and stances is limited.
- Meant for demos, smoke tests and tiny-model experiments. Not an evaluation set for real models, and not
  a source of medical, legal or financial advice.
`;
}

/** File name → file contents, exactly as committed under public/data/. */
export function makeSampleData(): Record<string, string> {
  const d = buildSampleData();
  return {
    [FILES.train]: jsonl(d.train),
    [FILES.heldout]: jsonl(d.heldout),
    [FILES.pretrain]: jsonl(d.pretrain),
    [FILES.chat]: jsonl(d.chat),
    [FILES.rolebench]: jsonl(d.rolebench),
    [FILES.rolebenchDesc]: JSON.stringify(d.rolebenchDesc, null, 2) + '\n',
    [FILES.s3ft]: jsonl(d.s3ft),
    [FILES.s3ftLabelled]: jsonl(d.s3ftLabelled),
    [FILES.readme]: readme(d),
  };
}

export const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data');

function main(): void {
  const files = makeSampleData();
  mkdirSync(DATA_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(DATA_DIR, name), text);
  console.log(summary(buildSampleData()));
  console.log(`\nwrote ${Object.keys(files).length} files to ${DATA_DIR}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
