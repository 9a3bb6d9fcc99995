/**
 * Built-in English text for training the tiny models' BPE tokenizer. Written for this project:
 * plain prose about stories, science and retrieval so common English words get merged tokens.
 */
export const BPE_TRAINING_TEXT = `Once upon a time there was a little girl who loved to read. Every morning she walked to the library with her mother, and every evening she told her brother the stories she had found. The library was old and quiet, with tall windows and long wooden tables. The girl wanted to know why the sky was blue, why the sea was salty, and why the moon changed its shape. She asked the librarian, who smiled and showed her a shelf of books about the world.

The first book said that sunlight is made of many colours. When the light passes through the air, the blue part is scattered more than the red part, so the sky looks blue during the day. At sunset the light travels through more air, and the red and orange colours reach our eyes. The girl read the page again and again until she could explain it to her brother.

The second book was about the sea. Rivers carry small amounts of salt from rocks into the ocean. When water evaporates, the salt stays behind, and over millions of years the sea becomes salty. The book also explained that the moon does not change its shape at all: we see different parts of it lit by the sun as it moves around the earth.

A search engine works in a similar way to a good librarian. It reads a question, thinks about what the person really needs, and then finds the documents that help answer the question. Simple systems count the words that a question and a document share. Better systems try to understand the meaning of the question, even when the relevant document uses different words. For a difficult question, the system may need to reason: to recall a principle, a theorem, or a mechanism that links the question to the answer.

For example, a student may ask why a metal spoon feels colder than a wooden spoon in the same room. The answer is not about temperature at all, because both spoons are at room temperature. It is about thermal conductivity: metal carries heat away from the hand much faster than wood. A document about heat transfer answers the question, although it never mentions spoons. A retrieval model that can think about the question first will find that document, while a model that only matches words will not.

Language models learn to predict the next word in a text. They read a great deal of writing and learn which words tend to follow which others. A model can also be trained to produce a vector for a text, so that texts with related meanings have vectors that point in similar directions. The similarity between two vectors is measured by the cosine of the angle between them. When a question and a document have a high cosine similarity, the document is likely to be relevant.

In the evening the girl sat by the fire and wrote her own story. It was about a small robot who wanted to learn everything in the world. The robot read every book in the library, and then it began to ask questions that nobody had asked before. The people of the town were surprised, but they were also happy, because the robot helped them find answers to their own questions. The girl smiled, closed her notebook, and went to sleep, dreaming of the next day and the next book.

Mathematics is the study of patterns. A theorem is a statement that has been proved from simpler statements. The theorem of Pythagoras says that in a right triangle the square of the longest side is equal to the sum of the squares of the other two sides. A problem in geometry may look new, yet it can often be solved by recognising that an old theorem applies. Finding the right theorem is the hardest part of the problem, and it is exactly the kind of reasoning that a good search system should support.

Programmers also search for help. When a program fails with an error, the programmer copies the message into a search box and hopes to find someone who had the same problem. Often the best answer describes the cause of the error in general terms, and the programmer must see how it applies to their own code. Questions about data structures, algorithms, and the behaviour of functions are common, and many of them have been answered before in a different form.

Biology asks how living things work. Cells use energy from food to build proteins, to move, and to divide. Plants capture energy from sunlight through photosynthesis and store it in sugar. Animals eat plants or other animals to obtain that energy. Every living thing depends on others, and the study of these relationships is called ecology. A question about why leaves change colour in autumn is answered by a document about pigments and the breakdown of chlorophyll.
`;
