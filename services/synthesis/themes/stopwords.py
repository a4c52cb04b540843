"""French stop words (accent-folded), written for Parlons (AGPL like the rest):
function words, auxiliaries and the most frequent verbs of consultation answers
that carry no theme."""

from __future__ import annotations

_WORDS = """
a afin ai aie aient aies ait alors as assez au aucun aucune aupres auquel aura aurai auraient
aurais aurait auras aurez auriez aurions aurons auront aussi autant autre autres aux auxquelles
auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons bah beaucoup
bien bon c ca car ce ceci cela celle celles celui cependant certain certaine certaines certains ces
cet cette ceux chacun chacune chaque chez ci comme comment contre d dans de dehors depuis des
desquelles desquels dessous dessus deux doit doivent donc dont du duquel durant e elle elles en
encore entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eumes
eurent eus eusse eussent eusses eussiez eussions eut eutes eux faire fais fait faites faut fois
font furent fus fusse fussent fusses fussiez fussions fut futes grand grande grands grandes ici il
ils j je jusqu jusque l la laquelle le lequel les lesquelles lesquels leur leurs lors lorsque lui
m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont or ou par parce pas
pendant peu peut peuvent peux plus plusieurs pour pourquoi pourrait pouvoir puis qu quand que quel
quelle quelles quels qui quoi s sa sans se sera serai seraient serais serait seras serez seriez
serions serons seront ses si sien sienne soi soient sois soit sommes son sont sous soyez soyons
suis sur t ta tandis te tel telle telles tels tes toi ton tous tout toute toutes tres trop tu un
une unes uns vers voici voila vos votre vous vu y
"""
STOP_WORDS_FR = frozenset(_WORDS.split())
